import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// glibc malloc thresholds for a training process.
///
/// By default glibc serves every allocation above its mmap threshold (128 KiB at first, raised as large blocks are
/// freed, at most 32 MiB) with a fresh mapping that `free` unmaps, and it shrinks a heap as soon as more than its
/// trim threshold lies free at the top (for the heaps of threads other than the main one, with `madvise`). A
/// training epoch allocates and frees gigabytes of row arrays, scalar records and batch buffers on its batch
/// thread, so those come back as fresh pages that the kernel zeroes on first touch: at the full published corpus
/// that was 10 % of the CPU time of a multi-output epoch and 20 % of a scalar one, and a scalar step took 1.31 s
/// instead of 0.62 s. Fixing the mmap threshold at glibc's maximum and the trim threshold at 2 GiB keeps freed
/// memory in the heap for the next step. The peak resident size is the same; the heap only does not shrink after
/// it until the process ends or trims explicitly (`PeakMemory.releaseFreedHeap`).
public enum HeapTuning {
    /// glibc's `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` (malloc.h, which Swift's Glibc module leaves out).
    static let trimThresholdParameter: Int32 = -1
    static let mmapThresholdParameter: Int32 = -3
    /// Allocations from this size on are still mapped and unmapped one by one (glibc refuses a larger threshold).
    public static let mmapThresholdBytes: Int32 = 32 << 20
    /// Free bytes at the top of a heap before it is returned to the system.
    public static let trimThresholdBytes: Int32 = Int32.max

    /// The settings this process should apply: none when the user set either threshold through `GLIBC_TUNABLES`
    /// (`glibc.malloc.mmap_threshold`, `glibc.malloc.trim_threshold`), whose choice stands.
    public static func settings(environment: [String: String]) -> [(parameter: Int32, value: Int32)] {
        let tunables = environment["GLIBC_TUNABLES"] ?? ""
        if tunables.contains("glibc.malloc.mmap_threshold") || tunables.contains("glibc.malloc.trim_threshold") {
            return []
        }
        return [(trimThresholdParameter, trimThresholdBytes), (mmapThresholdParameter, mmapThresholdBytes)]
    }

    /// Whether `keepFreedMemory` changed the thresholds in this process.
    public nonisolated(unsafe) private(set) static var isApplied = false

    /// Applies `settings` for this process's environment; a no-op on other C libraries. Call it first thing in
    /// `main`, before threads allocate.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
            guard !isApplied, let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
            let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
            let settings = settings(environment: ProcessInfo.processInfo.environment)
            guard !settings.isEmpty else { return }
            isApplied = settings.allSatisfy { mallopt($0.parameter, $0.value) == 1 }
        #endif
    }
}
