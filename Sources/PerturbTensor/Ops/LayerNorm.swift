/// Layer normalization over the last axis: `(x − mean) / sqrt(var + eps) · gamma + beta` per row,
/// with the biased variance (as PyTorch). `gamma` and `beta` have `cols` elements.
public func layerNorm(_ x: Var, gamma: Var, beta: Var, eps: Float = 1e-5) -> Var {
    let xv = x.value, gv = gamma.value, bv = beta.value
    let rows = xv.rows, cols = xv.cols
    precondition(
        gv.count == cols && bv.count == cols,
        "layerNorm: gamma \(gv.shape) and beta \(bv.shape) must have \(cols) elements (x is \(xv.shape))")
    var xhat = Tensor(uninitializedShape: xv.shape)
    var rstd = Tensor(uninitializedShape: [rows])
    var y = Tensor(uninitializedShape: xv.shape)
    let xp = xv.readPointer, hp = xhat.mutablePointer(), sp = rstd.mutablePointer(), yp = y.mutablePointer()
    let gp = gv.readPointer, bp = bv.readPointer
    Engine.parallelFor(rows, minimumChunk: max(1, 16_384 / max(cols, 1))) { rr in
        for r in rr {
            let row = xp + r * cols
            var mean: Float = 0
            for j in 0..<cols { mean += row[j] }
            mean /= Float(cols)
            var variance: Float = 0
            for j in 0..<cols { let d = row[j] - mean; variance += d * d }
            variance /= Float(cols)
            let s = 1 / (variance + eps).squareRoot()
            sp[r] = s
            for j in 0..<cols {
                let h = (row[j] - mean) * s
                hp[r * cols + j] = h
                yp[r * cols + j] = h * gp[j] + bp[j]
            }
        }
    }
    return x.graph.record(y, inputs: [x, gamma, beta]) { [xhat, rstd] g, dy in
        let dp = dy.readPointer, hp = xhat.readPointer, sp = rstd.readPointer
        let gp = g.value(gamma).readPointer
        g.accumulateGrad(x) { dx, beta in
            for r in 0..<rows {
                let d = dp + r * cols, h = hp + r * cols
                var meanD: Float = 0, meanDH: Float = 0
                for j in 0..<cols { let dh = d[j] * gp[j]; meanD += dh; meanDH += dh * h[j] }
                meanD /= Float(cols); meanDH /= Float(cols)
                for j in 0..<cols {
                    let v = sp[r] * (d[j] * gp[j] - meanD - h[j] * meanDH)
                    dx[r * cols + j] = beta == 0 ? v : dx[r * cols + j] + v
                }
            }
        }
        g.accumulateGrad(gamma) { dg, beta in
            if beta == 0 { dg.initialize(repeating: 0, count: cols) }
            for r in 0..<rows { for j in 0..<cols { dg[j] += dp[r * cols + j] * hp[r * cols + j] } }
        }
        g.accumulateGrad(beta) { db, b in Kernels.columnSums(dp, rows: rows, cols: cols, into: db, beta: b) }
    }
}
