/// Batch normalization of a `[rows, cols]` input over its rows (each column one feature), in training mode:
/// `(x − mean) / sqrt(var + eps) · gamma + beta` per column with the batch mean and the biased batch variance
/// (Keras' `BatchNormalization` and PyTorch's `BatchNorm1d` in training). `gamma` and `beta` have `cols` elements.
///
/// Also returns the batch statistics (biased variance), from which a layer updates its running averages. In evaluation
/// the normalization is a fixed affine map of the running statistics, which the ordinary arithmetic ops express.
public func batchNorm(_ x: Var, gamma: Var, beta: Var, eps: Float) -> (output: Var, mean: [Float], variance: [Float]) {
    let xv = x.value, gv = gamma.value, bv = beta.value
    let rows = xv.rows, cols = xv.cols
    precondition(xv.shape.count == 2 && rows > 0, "batchNorm: x must be [rows, cols] with rows > 0, got \(xv.shape)")
    precondition(
        gv.count == cols && bv.count == cols,
        "batchNorm: gamma \(gv.shape) and beta \(bv.shape) must have \(cols) elements (x is \(xv.shape))")
    let xp = xv.readPointer, gp = gv.readPointer, bp = bv.readPointer
    // Column statistics in Double, rows in order: the same bits for any thread count.
    var sums = [Double](repeating: 0, count: cols), squares = [Double](repeating: 0, count: cols)
    for r in 0..<rows { for j in 0..<cols { sums[j] += Double(xp[r * cols + j]) } }
    let mean = sums.map { Float($0 / Double(rows)) }
    for r in 0..<rows {
        for j in 0..<cols { let d = Double(xp[r * cols + j] - mean[j]); squares[j] += d * d }
    }
    let variance = squares.map { Float($0 / Double(rows)) }
    let rstd = variance.map { 1 / ($0 + eps).squareRoot() }
    var xhat = Tensor(uninitializedShape: xv.shape), y = Tensor(uninitializedShape: xv.shape)
    let hp = xhat.mutablePointer(), yp = y.mutablePointer()
    for r in 0..<rows {
        for j in 0..<cols {
            let i = r * cols + j, h = (xp[i] - mean[j]) * rstd[j]
            hp[i] = h
            yp[i] = h * gp[j] + bp[j]
        }
    }
    let output = x.graph.record(y, inputs: [x, gamma, beta]) { [xhat] g, dy in
        let dp = dy.readPointer, hp = xhat.readPointer, gp = g.value(gamma).readPointer
        // Per column, with dh = dy·gamma: dx = rstd · (dh − mean(dh) − xhat · mean(dh · xhat)).
        var meanD = [Float](repeating: 0, count: cols), meanDH = [Float](repeating: 0, count: cols)
        for r in 0..<rows {
            for j in 0..<cols { let i = r * cols + j, dh = dp[i] * gp[j]; meanD[j] += dh; meanDH[j] += dh * hp[i] }
        }
        for j in 0..<cols { meanD[j] /= Float(rows); meanDH[j] /= Float(rows) }
        g.accumulateGrad(x) { dx, beta in
            for r in 0..<rows {
                for j in 0..<cols {
                    let i = r * cols + j
                    let v = rstd[j] * (dp[i] * gp[j] - meanD[j] - hp[i] * meanDH[j])
                    dx[i] = beta == 0 ? v : dx[i] + v
                }
            }
        }
        g.accumulateGrad(gamma) { dg, beta in
            if beta == 0 { dg.initialize(repeating: 0, count: cols) }
            for r in 0..<rows { for j in 0..<cols { dg[j] += dp[r * cols + j] * hp[r * cols + j] } }
        }
        g.accumulateGrad(beta) { db, b in Kernels.columnSums(dp, rows: rows, cols: cols, into: db, beta: b) }
    }
    return (output, mean, variance)
}
