import CMPI
import Foundation
import PerturbBase

/// The processes of one run and the collectives between them: rank, size, broadcast, in-place sum, all-gather,
/// barrier. `Communicator.world` is every process `mpirun` started (MPI initialized on first use); a process started
/// without `mpirun` gets `Communicator.single` (rank 0 of 1) and never initializes MPI, so it behaves exactly as a
/// program without MPI. With one process every collective is a no-op (or a copy), whatever the backend.
///
/// Call collectives from one thread at a time (MPI is initialized with `MPI_THREAD_SERIALIZED`), in the same order
/// on every rank. MPI errors abort the job (MPI's default handler); a failed return code stops with a precondition.
public final class Communicator: @unchecked Sendable {
    /// This process's rank, 0 ..< `size`.
    public let rank: Int
    /// Number of processes.
    public let size: Int
    private let usesMPI: Bool

    private init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// One process, no MPI.
    public static let single = Communicator(rank: 0, size: 1, usesMPI: false)

    /// Every process of the job: MPI's world when launched by `mpirun`, else `single` (MPI untouched). Under mpirun,
    /// Open MPI's library (`libmpi.so.40`, or the file `PERTURBRIDGE_MPI_LIBRARY` names) is loaded on first use;
    /// when it cannot be, every use throws an `InputError` saying so.
    public static var world: Communicator {
        get throws { try worldConnection.get() }
    }

    private static let worldConnection: Result<Communicator, Error> = Result {
        guard launchedByMPIRun else { return single }
        let library = ProcessInfo.processInfo.environment["PERTURBRIDGE_MPI_LIBRARY"] ?? "libmpi.so.40"
        var message = [CChar](repeating: 0, count: 512)
        guard cmpi_load(library, &message, message.count) == 0 else {
            throw InputError(
                "started by mpirun, but Open MPI's library could not be loaded (\(String(cString: message))); install Open MPI 4 (Debian: apt-get install openmpi-bin) or start without mpirun"
            )
        }
        var provided: Int32 = 0
        check(cmpi_init(&provided), "MPI_Init_thread")
        var rank: Int32 = 0, size: Int32 = 0
        check(cmpi_rank(&rank), "MPI_Comm_rank")
        check(cmpi_size(&size), "MPI_Comm_size")
        return Communicator(rank: Int(rank), size: Int(size), usesMPI: true)
    }

    /// Whether this process was started by Open MPI's `mpirun` (its `OMPI_COMM_WORLD_SIZE` or PMIx's `PMIX_RANK` is
    /// set), the only case in which `world` initializes MPI.
    public static var launchedByMPIRun: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// Ends MPI when `world` initialized it (call once, on every rank, after the last collective); otherwise nothing.
    public static func finalizeWorld() {
        guard launchedByMPIRun, cmpi_loaded() != 0, cmpi_initialized() != 0, cmpi_finalized() == 0 else { return }
        check(cmpi_finalize(), "MPI_Finalize")
    }

    /// Whether collectives talk to other processes.
    private var communicates: Bool { usesMPI && size > 1 }

    /// Replaces `buffer`'s bytes on every rank by those of rank `root` (same byte count on every rank).
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        precondition((0..<size).contains(root), "broadcast root \(root) outside 0..<\(size)")
        guard communicates, let base = buffer.baseAddress else { return }
        Self.chunked(buffer.count) { offset, count in
            Self.check(cmpi_broadcast_bytes(base + offset, Int32(count), Int32(root)), "MPI_Bcast")
        }
    }

    /// Rank `root`'s bytes on every rank, of any length (the length is broadcast first).
    public func broadcast(bytes: [UInt8], root: Int) -> [UInt8] {
        guard communicates else { return bytes }
        var count = Int64(bytes.count)
        withUnsafeMutableBytes(of: &count) { broadcast($0, root: root) }
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
        out.withUnsafeMutableBytes { broadcast($0, root: root) }
        return out
    }

    /// In-place sum over ranks of every element of `buffer` (same count on every rank).
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard communicates, let base = buffer.baseAddress else { return }
        Self.chunked(buffer.count) { offset, count in
            Self.check(cmpi_allreduce_sum_float(base + offset, Int32(count)), "MPI_Allreduce (float)")
        }
    }

    /// In-place sum over ranks of every element of `buffer` (same count on every rank).
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {
        guard communicates, let base = buffer.baseAddress else { return }
        Self.chunked(buffer.count) { offset, count in
            Self.check(cmpi_allreduce_sum_double(base + offset, Int32(count)), "MPI_Allreduce (double)")
        }
    }

    /// In-place sum over ranks of `values`.
    public func allreduceSum(_ values: inout [Float]) { values.withUnsafeMutableBufferPointer { allreduceSum($0) } }

    /// In-place sum over ranks of `values`.
    public func allreduceSum(_ values: inout [Double]) { values.withUnsafeMutableBufferPointer { allreduceSum($0) } }

    /// Every rank's `bytes` (the same length on every rank), in rank order.
    public func allgather(_ bytes: [UInt8]) -> [[UInt8]] {
        guard communicates else { return [bytes] }
        precondition(bytes.count <= Int(Int32.max), "allgather of \(bytes.count) bytes exceeds MPI's int count")
        var all = [UInt8](repeating: 0, count: bytes.count * size)
        bytes.withUnsafeBytes { send in
            all.withUnsafeMutableBytes { receive in
                Self.check(
                    cmpi_allgather_bytes(send.baseAddress, receive.baseAddress, Int32(bytes.count)), "MPI_Allgather")
            }
        }
        return (0..<size).map { Array(all[$0 * bytes.count..<($0 + 1) * bytes.count]) }
    }

    /// Returns once every rank has called it.
    public func barrier() {
        guard communicates else { return }
        Self.check(cmpi_barrier(), "MPI_Barrier")
    }

    /// Runs `body` over `total` elements in pieces MPI's `int` count can hold.
    private static func chunked(_ total: Int, _ body: (_ offset: Int, _ count: Int) -> Void) {
        let piece = 1 << 30
        var offset = 0
        while offset < total {
            let count = min(piece, total - offset)
            body(offset, count)
            offset += count
        }
    }

    private static func check(_ code: Int32, _ call: String) {
        precondition(code == 0, "\(call) failed with MPI error code \(code)")
    }
}
