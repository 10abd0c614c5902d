import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The process's peak resident set size (`getrusage` maximum RSS), for progress and run records.
public enum PeakMemory {
    /// Peak RSS so far, in MiB.
    public static var residentMB: Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
        return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
    }

    /// Current RSS in MiB (Linux `/proc/self/statm`; nil elsewhere).
    public static var currentResidentMB: Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / Double(1 << 20)
    }

    /// Returns heap pages freed so far to the OS (glibc `malloc_trim`): loading leaves many small freed chunks
    /// (metadata strings) among live ones that later large buffers cannot reuse; trimming before training keeps
    /// the peak at the live set plus the training buffers.
    public static func releaseFreedHeap() {
        #if canImport(Glibc)
            // malloc.h is not in Swift's Glibc module; look the function up (absent on other C libraries).
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
            typealias MallocTrim = @convention(c) (Int) -> Int32
            _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }

    /// Makes glibc keep freed heap for reuse instead of returning it to the OS at once: blocks up to 32 MiB come
    /// from the heap rather than from fresh `mmap`s (`M_MMAP_THRESHOLD`), and free memory at the top of the heap
    /// is not trimmed (`M_TRIM_THRESHOLD`). A training epoch allocates and frees gigabytes in row arrays and step
    /// buffers; with the defaults much of it comes back as new zero-filled pages each time (a sixth of a mixed
    /// epoch in page faults). The live set, and so the peak, is unchanged; `releaseFreedHeap` still trims.
    public static func keepFreedHeapForReuse() {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // malloc.h's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
            _ = mallopt(mmapThreshold, 32 << 20)
            _ = mallopt(trimThreshold, Int32.max)
        #endif
    }
}
