import CBLAS
import PerturbBase

/// Engine-wide settings: the number of threads used by OpenBLAS and by the engine's own parallel loops.
public enum Engine {
    /// Threads for elementwise kernels; set together with OpenBLAS through `setThreads`.
    public nonisolated(unsafe) private(set) static var threads: Int = Parallel.threadCount

    /// Sets the thread count of OpenBLAS (`openblas_set_num_threads`) and of the engine's kernels.
    /// Results are bit-identical for the same seed and the same thread count.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "Engine.setThreads needs at least 1 thread, got \(count)")
        threads = count
        openblas_set_num_threads(Int32(count))
    }

    /// Runs `body` with the engine's kernels and OpenBLAS on one thread, then restores the thread count. For many
    /// small independent graphs run concurrently, one per worker thread (`Parallel.forEachItem`): each graph is then
    /// computed on one thread, so the results do not depend on the number of workers (OpenBLAS rounds differently
    /// when it splits a product over threads).
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

/// Thin Swift wrapper over `cblas_sgemm` on row-major matrices: C = alpha·op(A)·op(B) + beta·C.
@inline(__always)
func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
