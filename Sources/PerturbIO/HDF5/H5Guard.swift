import CHDF5Guard
import Foundation

/// Runs libhdf5 calls on a file being read inside the crash and stall guard of `CHDF5Guard`: a fault inside the
/// library on damaged metadata, or a call that spins, ends the process with exit status 1 and a message naming the
/// file and the HDF5 object, instead of a signal or a hang. Our own checks (return codes, shapes, sizes) come first
/// and throw `FormatError`; the guard covers what libhdf5 1.10 does not check itself.
enum H5Guard {
    /// CPU seconds any guarded call may take (`$PERTURBRIDGE_HDF5_CPU_SECONDS`, default 5), plus
    /// `bytes / minimumBytesPerSecond` for the data it reads. Decoding metadata takes milliseconds and inflating
    /// gzip runs at over 100 MB/s, so this leaves a wide margin for real work; it is CPU time of the reading
    /// thread, so a loaded machine or a slow disk does not count against it.
    static let baseCPUSeconds: Double = {
        let text = ProcessInfo.processInfo.environment["PERTURBRIDGE_HDF5_CPU_SECONDS"] ?? ""
        guard let value = Double(text), value > 0 else { return 5 }
        return value
    }()
    static let minimumBytesPerSecond = 16e6

    /// Runs `body` guarded, with `bytes` the amount of data it reads (0 for metadata).
    static func run<T>(file: String, location: String, bytes: Int = 0, _ body: () throws -> T) rethrows -> T {
        let context = location.isEmpty ? "error: \(file): " : "error: \(file): \(location): "
        context.withCString { pb_guard_enter($0, baseCPUSeconds + Double(max(0, bytes)) / minimumBytesPerSecond) }
        defer { pb_guard_leave() }
        return try body()
    }
}

extension H5Object {
    /// Runs `body` inside the guard with this object's file and path, or the path of its child `child` (see
    /// `H5Guard`).
    func guarded<T>(child: String? = nil, bytes: Int = 0, _ body: () throws -> T) rethrows -> T {
        try H5Guard.run(file: fileName, location: child.map(childPath) ?? path, bytes: bytes, body)
    }
}
