import CBLAS
import PerturbBase

/// Engine-wide settings: the number of threads of the engine's parallel loops and products (OpenBLAS itself runs on
/// one thread: see `sgemm`).
public enum Engine {
    /// Threads for elementwise kernels and products (`setThreads`). First read, it also puts OpenBLAS on one
    /// thread.
    public nonisolated(unsafe) private(set) static var threads: Int = {
        openblas_set_num_threads(1)
        return Parallel.threadCount
    }()

    /// Sets the thread count of the engine's kernels and products; OpenBLAS itself is kept on one thread
    /// (`sgemm` splits each product over the engine's threads). Results are bit-identical for the same seed and
    /// the same thread count.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "Engine.setThreads needs at least 1 thread, got \(count)")
        threads = count
        openblas_set_num_threads(1)
    }

    /// Runs `body` with the engine's kernels and products on one thread, then restores the thread count. For many
    /// small independent graphs run concurrently, one per worker thread (`Parallel.forEachItem`): each graph is then
    /// computed on one thread, so the results do not depend on the number of workers (a product split over threads
    /// rounds differently).
    public static func withSingleThreadedKernels<T>(_ body: () throws -> T) rethrows -> T {
        let saved = threads
        setThreads(1)
        defer { setThreads(saved) }
        return try body()
    }

    /// Runs `body` over `0..<count` in contiguous chunks on up to `threads` threads; small ranges run inline.
    public static func parallelFor(_ count: Int, minimumChunk: Int = 32_768, _ body: (Range<Int>) -> Void) {
        let workers = min(threads, count / minimumChunk)
        if workers <= 1 { body(0..<count); return }
        Parallel.forEachChunk(count: count, threads: workers, body)
    }
}

/// `C = alpha·op(A)·op(B) + beta·C` on row-major matrices, split over the engine's threads: C is cut into
/// `Engine.threads` slabs of rows (or of columns when it is wider than tall), each computed by single-threaded
/// OpenBLAS on an engine thread. OpenBLAS's own thread pool stays idle (its workers would otherwise spin in
/// `sched_yield` between products while the engine's threads run other kernels). The split depends only on the
/// shape and the thread count, so the same thread count gives the same bits.
@inline(__always)
func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let slabs = Engine.gemmSlabs(m: m, n: n, k: k)
    guard slabs > 1 else {
        singleThreadedSGEMM(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
            ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    let splitRows = m >= n, extent = splitRows ? m : n
    Parallel.forEachChunk(count: slabs, threads: slabs) { range in
        for slab in range {
            // Slab bounds on multiples of 16 (the kernel's tile), the last slab taking the rest.
            let lo = Engine.slabBound(slab, of: slabs, extent: extent)
            let hi = Engine.slabBound(slab + 1, of: slabs, extent: extent)
            guard hi > lo else { continue }
            if splitRows {
                singleThreadedSGEMM(
                    transposeA: transposeA, transposeB: transposeB, m: hi - lo, n: n, k: k, alpha: alpha,
                    a: a + (transposeA ? lo : lo * lda), lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc,
                    ldc: ldc)
            } else {
                singleThreadedSGEMM(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: hi - lo, k: k, alpha: alpha, a: a,
                    lda: lda, b: b + (transposeB ? lo * ldb : lo), ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }
}

extension Engine {
    /// `C = alpha·op(A)·op(B) + beta·C` on row-major matrices, split over the engine's threads like the engine's
    /// own products: for code outside the engine that multiplies matrices (OpenBLAS itself runs on one thread).
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        PerturbTensor.sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
            ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// Products below this many multiply-adds run on the calling thread (a dispatch costs more than they do).
    static let minimumSplitWork = 1 << 21

    /// Slabs a product of `m × n` outputs over `k` is cut into: one per engine thread, each at least 16 outputs
    /// wide, and 1 for small products.
    @inline(__always)
    static func gemmSlabs(m: Int, n: Int, k: Int) -> Int {
        guard threads > 1, m * n * k >= minimumSplitWork else { return 1 }
        return max(1, min(threads, max(m, n) / 16))
    }

    /// Start of slab `slab` of `slabs` over `extent` outputs (a multiple of 16, `extent` for the end).
    @inline(__always)
    static func slabBound(_ slab: Int, of slabs: Int, extent: Int) -> Int {
        slab >= slabs ? extent : min(extent, (extent * slab / slabs + 8) / 16 * 16)
    }
}

/// Thin Swift wrapper over `cblas_sgemm` (OpenBLAS runs on one thread: see `sgemm`).
@inline(__always)
private func singleThreadedSGEMM(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
