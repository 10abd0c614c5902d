/// Matrix product `op(a) · op(b)` through `cblas_sgemm`, where `op` transposes when asked.
///
/// `a` is `[m, k]` (or `[k, m]` with `transposeA`), `b` is `[k, n]` (or `[n, k]` with `transposeB`); result `[m, n]`.
public func matmul(_ a: Var, _ b: Var, transposeA: Bool = false, transposeB: Bool = false) -> Var {
    let av = a.value, bv = b.value
    precondition(
        av.shape.count == 2 && bv.shape.count == 2,
        "matmul needs rank-2 operands, got \(av.shape) and \(bv.shape)")
    let m = transposeA ? av.shape[1] : av.shape[0]
    let k = transposeA ? av.shape[0] : av.shape[1]
    let kb = transposeB ? bv.shape[1] : bv.shape[0]
    let n = transposeB ? bv.shape[0] : bv.shape[1]
    precondition(k == kb, "matmul inner dimensions differ: op(a) is [\(m), \(k)], op(b) is [\(kb), \(n)]")
    var c = Tensor(uninitializedShape: [m, n])
    c.withUnsafeMutableBufferPointer { cp in
        sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            a: av.readPointer, lda: av.shape[1], b: bv.readPointer, ldb: bv.shape[1],
            beta: 0, c: cp.baseAddress!, ldc: n)
    }
    return a.graph.record(c, inputs: [a, b]) { g, dc in
        let av = g.value(a), bv = g.value(b)
        let dcp = dc.readPointer
        // dA = dC · op(B)ᵀ (or its transpose when A was transposed).
        g.accumulateGrad(a) { da, beta in
            if transposeA {
                sgemm(
                    transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                    a: bv.readPointer, lda: bv.shape[1], b: dcp, ldb: n, beta: beta, c: da, ldc: m)
            } else {
                sgemm(
                    transposeA: false, transposeB: !transposeB, m: m, n: k, k: n,
                    a: dcp, lda: n, b: bv.readPointer, ldb: bv.shape[1], beta: beta, c: da, ldc: k)
            }
        }
        // dB = op(A)ᵀ · dC (or its transpose when B was transposed).
        g.accumulateGrad(b) { db, beta in
            if transposeB {
                sgemm(
                    transposeA: true, transposeB: transposeA, m: n, n: k, k: m,
                    a: dcp, lda: n, b: av.readPointer, ldb: av.shape[1], beta: beta, c: db, ldc: k)
            } else {
                sgemm(
                    transposeA: !transposeA, transposeB: false, m: k, n: n, k: m,
                    a: av.readPointer, lda: av.shape[1], b: dcp, ldb: n, beta: beta, c: db, ldc: n)
            }
        }
    }
}
