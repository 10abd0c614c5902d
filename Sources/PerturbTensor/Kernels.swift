import CBLAS
import CKernels
import Foundation

/// Small shared kernels used by several operations.
enum Kernels {
    /// Applies `f` elementwise, in parallel for large tensors.
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        var y = Tensor(uninitializedShape: x.shape)
        let src = x.readPointer
        y.withUnsafeMutableBufferPointer { dst in
            let d = dst.baseAddress!
            Engine.parallelFor(x.count) { r in for i in r { d[i] = f(src[i]) } }
        }
        return y
    }

    /// Writes (`beta == 0`) or adds (`beta == 1`) `g(i)` into `dst[i]` for every index, in parallel.
    @inline(__always)
    static func store(_ dst: UnsafeMutablePointer<Float>, count: Int, beta: Float, _ g: (Int) -> Float) {
        if beta == 0 {
            Engine.parallelFor(count) { r in for i in r { dst[i] = g(i) } }
        } else {
            Engine.parallelFor(count) { r in for i in r { dst[i] += g(i) } }
        }
    }

    /// Σ term(i) over `0..<count` in Double, computed in parallel over fixed 64K-element chunks whose partial
    /// sums are added in order, so the result does not depend on the thread count.
    @inline(__always)
    static func sum(count: Int, _ term: (Int) -> Double) -> Double {
        let chunk = 65_536
        let chunks = (count + chunk - 1) / chunk
        guard chunks > 1 else { var s: Double = 0; for i in 0..<count { s += term(i) }; return s }
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
        defer { partials.deallocate() }
        Engine.parallelFor(chunks, minimumChunk: 1) { range in
            for c in range {
                var s: Double = 0
                for i in (c * chunk)..<min(count, (c + 1) * chunk) { s += term(i) }
                partials[c] = s
            }
        }
        var total: Double = 0
        for c in 0..<chunks { total += partials[c] }
        return total
    }

    /// The incoming gradient of a fused ReLU, zeroed in place where the layer's output `y` is ≤ 0. The backward
    /// closure owns `dy`, so masking it allocates nothing.
    static func reluMaskedInPlace(_ dy: inout Tensor, output y: Tensor) -> UnsafePointer<Float> {
        let masked = dy.mutablePointer(), yp = y.readPointer
        Engine.parallelFor(y.count) { r in pb_relu_mask(masked + r.lowerBound, yp + r.lowerBound, r.count) }
        return UnsafePointer(masked)
    }

    /// Column sums of a row-major `rows × cols` matrix into `dst` (written or added per `beta`), via sgemv.
    static func columnSums(
        _ m: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>,
        beta: Float
    ) {
        let ones = Ones.vector(rows)
        weightedColumnSums(m, rows: rows, cols: cols, weights: ones.readPointer, into: dst, beta: beta)
        withExtendedLifetime(ones) {}
    }

    /// `dst[j] = Σ_r weights[r]·m[r, j]` for a row-major `rows × cols` matrix (written or added per `beta`), via sgemv.
    static func weightedColumnSums(
        _ m: UnsafePointer<Float>, rows: Int, cols: Int, weights: UnsafePointer<Float>,
        into dst: UnsafeMutablePointer<Float>, beta: Float
    ) {
        cblas_sgemv(
            CblasRowMajor, CblasTrans, Int32(rows), Int32(cols), 1, m, Int32(cols), weights, 1, beta, dst, 1)
    }
}

/// A cached vector of ones, grown as needed (used to reduce over rows with BLAS).
enum Ones {
    private nonisolated(unsafe) static var cache = Tensor(shape: [0], values: [])
    private static let lock = NSLock()

    static func vector(_ count: Int) -> Tensor {
        lock.lock(); defer { lock.unlock() }
        if cache.count < count { cache = Tensor(shape: [count], repeating: 1) }
        return cache
    }
}
