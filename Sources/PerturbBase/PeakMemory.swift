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
}
