import Foundation

/// The process's peak resident set size (`getrusage` maximum RSS), for progress and run records.
public enum PeakMemory {
    /// Peak RSS so far, in MiB.
    public static var residentMB: Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
        return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
    }
}

/// Allocator settings for training loops that free and reallocate the same large buffers every step.
public enum AllocatorTuning {
    /// Makes glibc serve large allocations from the heap and keep freed memory mapped (instead of a fresh
    /// `mmap` per buffer, whose pages the kernel must zero on every step): about a quarter of a multi-output
    /// step otherwise goes to page clearing. Peak memory is unchanged; freed memory is reused, not returned.
    public static func reuseLargeAllocations() {
        #if os(Linux)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD (malloc.h)
        _ = glibcMallopt(mmapThreshold, 1 << 30)
        _ = glibcMallopt(trimThreshold, 1 << 30)
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
