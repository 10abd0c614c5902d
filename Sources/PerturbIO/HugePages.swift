#if canImport(Glibc)
    import Glibc
#endif

/// Large read buffers ask the kernel for transparent huge pages (as numpy does for big arrays): with THP in
/// `madvise` mode this cuts the page faults of filling a fresh multi-megabyte buffer about 500-fold.
enum HugePages {
    /// Advises huge pages for the 2 MiB-aligned interior of `[pointer, pointer + bytes)` when it spans ≥ 32 MiB:
    /// glibc serves smaller blocks from its reused heap (no fresh faults) but always maps blocks above its
    /// 32 MiB mmap-threshold ceiling afresh.
    static func advise(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
            let huge = 2 << 20
            guard bytes >= 16 * huge else { return }
            let start = (Int(bitPattern: pointer) + huge - 1) & ~(huge - 1)
            let end = (Int(bitPattern: pointer) + bytes) & ~(huge - 1)
            if end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) {
                _ = madvise(aligned, end - start, MADV_HUGEPAGE)
            }
        #endif
    }

    /// A Float array of `count` zeros whose storage was advised for huge pages before it was touched.
    static func zeroedFloats(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress {
                advise(UnsafeMutableRawPointer(base), bytes: count * MemoryLayout<Float>.stride)
                base.initialize(repeating: 0, count: count)
            }
            initialized = count
        }
    }
}
