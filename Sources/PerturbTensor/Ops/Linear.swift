/// Fused affine layer `y = act(x · Wᵀ + b)` with `act` identity or ReLU, the hot path of MLP training.
///
/// `x` is `[batch, in]`, `weight` is `[out, in]` (PyTorch layout), `bias` is `[out]`. Forward is one sgemm plus
/// one pass adding the bias and applying ReLU; backward masks the incoming gradient in place and runs sgemm for
/// `dX` and `dW` (accumulated straight into the parameter gradient) and sgemv for `db`. Nothing is computed for
/// inputs that need no gradient (a frozen weight, a constant `x`).
public func linear(_ x: Var, weight: Var, bias: Var?, relu: Bool = false) -> Var {
    let xv = x.value, wv = weight.value
    precondition(
        xv.shape.count == 2 && wv.shape.count == 2,
        "linear needs x [batch, in] and weight [out, in], got \(xv.shape) and \(wv.shape)")
    let batch = xv.shape[0], inF = xv.shape[1], outF = wv.shape[0]
    precondition(wv.shape[1] == inF, "linear: x has \(inF) features but weight is \(wv.shape) ([out, in])")
    let bv = bias?.value
    if let bv { precondition(bv.count == outF, "linear: bias has \(bv.count) elements, expected \(outF)") }
    var y = Tensor(uninitializedShape: [batch, outF])
    y.withUnsafeMutableBufferPointer { yb in
        let yp = yb.baseAddress!
        sgemm(
            transposeA: false, transposeB: true, m: batch, n: outF, k: inF,
            a: xv.readPointer, lda: inF, b: wv.readPointer, ldb: inF, beta: 0, c: yp, ldc: outF)
        if bv != nil || relu {
            let bp = bv?.readPointer
            Engine.parallelFor(batch, minimumChunk: max(1, 32_768 / max(outF, 1))) { rows in
                for r in rows {
                    let row = yp + r * outF
                    if let bp {
                        if relu {
                            for j in 0..<outF { row[j] = max(row[j] + bp[j], 0) }
                        } else {
                            for j in 0..<outF { row[j] += bp[j] }
                        }
                    } else {
                        for j in 0..<outF { row[j] = max(row[j], 0) }
                    }
                }
            }
        }
    }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return x.graph.record(y, inputs: inputs) { [y] g, dy in
        let dyp = relu ? Kernels.reluMaskedInPlace(&dy, output: y) : dy.readPointer
        let xv = g.value(x), wv = g.value(weight)
        g.accumulateGrad(x) { dx, beta in
            sgemm(
                transposeA: false, transposeB: false, m: batch, n: inF, k: outF,
                a: dyp, lda: outF, b: wv.readPointer, ldb: inF, beta: beta, c: dx, ldc: inF)
        }
        g.accumulateGrad(weight) { dw, beta in
            sgemm(
                transposeA: true, transposeB: false, m: outF, n: inF, k: batch,
                a: dyp, lda: outF, b: xv.readPointer, ldb: inF, beta: beta, c: dw, ldc: inF)
        }
        if let bias {
            g.accumulateGrad(bias) { db, beta in
                Kernels.columnSums(dyp, rows: batch, cols: outF, into: db, beta: beta)
            }
        }
    }
}
