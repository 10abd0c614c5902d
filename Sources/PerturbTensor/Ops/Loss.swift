/// Mean squared error between `prediction` and a constant `target` of the same element count.
///
/// With a `mask` (same count; nonzero = measured), only measured entries count and the mean is over them;
/// when nothing is measured the loss is 0 with zero gradient.
public func mseLoss(_ prediction: Var, target: Tensor, mask: Tensor? = nil) -> Var {
    let pv = prediction.value
    let n = pv.count
    precondition(target.count == n, "mseLoss: prediction \(pv.shape) and target \(target.shape) differ in size")
    if let mask { precondition(mask.count == n, "mseLoss: mask \(mask.shape) must match prediction \(pv.shape)") }
    let pp = pv.readPointer, tp = target.readPointer, mp = mask?.readPointer
    let measured = mp.map { m in Int(Kernels.sum(count: n) { m[$0] != 0 ? 1 : 0 }) } ?? n
    let total = Kernels.sum(count: n) { i in
        guard mp == nil || mp![i] != 0 else { return 0 }
        let d = Double(pp[i] - tp[i])
        return d * d
    }
    let loss = measured > 0 ? Float(total / Double(measured)) : 0
    return prediction.graph.record(Tensor(scalar: loss), inputs: [prediction]) { [target, mask] g, dy in
        let pp = g.value(prediction).readPointer, tp = target.readPointer, mp = mask?.readPointer
        let scale = measured > 0 ? 2 * dy.scalar / Float(measured) : 0
        g.accumulateGrad(prediction) { dp, beta in
            Kernels.store(dp, count: n, beta: beta) { i in
                (mp == nil || mp![i] != 0) ? scale * (pp[i] - tp[i]) : 0
            }
        }
    }
}

/// Huber loss (PyTorch `HuberLoss`, mean): ½d² when |d| < delta, else delta·(|d| − ½delta), with d = prediction − target.
public func huberLoss(_ prediction: Var, target: Tensor, delta: Float = 1) -> Var {
    let pv = prediction.value
    let n = pv.count
    precondition(target.count == n, "huberLoss: prediction \(pv.shape) and target \(target.shape) differ in size")
    precondition(delta > 0, "huberLoss: delta must be positive, got \(delta)")
    let pp = pv.readPointer, tp = target.readPointer
    let total = Kernels.sum(count: n) { i in
        let d = pp[i] - tp[i], a = abs(d)
        return Double(a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta))
    }
    return prediction.graph.record(Tensor(scalar: Float(total / Double(max(n, 1)))), inputs: [prediction]) {
        [target] g, dy in
        let pp = g.value(prediction).readPointer, tp = target.readPointer
        let scale = dy.scalar / Float(max(n, 1))
        g.accumulateGrad(prediction) { dp, beta in
            Kernels.store(dp, count: n, beta: beta) { i in
                let d = pp[i] - tp[i]
                return scale * (abs(d) < delta ? d : (d > 0 ? delta : -delta))
            }
        }
    }
}

/// Cosine loss: mean over rows of 1 − cos(prediction_i, target_i), norms clamped below at `eps`.
public func cosineLoss(_ prediction: Var, target: Tensor, eps: Float = 1e-8) -> Var {
    let pv = prediction.value
    precondition(
        target.shape == pv.shape || (target.rows == pv.rows && target.cols == pv.cols),
        "cosineLoss: prediction \(pv.shape) and target \(target.shape) differ")
    let rows = pv.rows, cols = pv.cols
    let pp = pv.readPointer, tp = target.readPointer
    var cosines = [Float](repeating: 0, count: rows)
    var pNorms = [Float](repeating: 0, count: rows), tNorms = [Float](repeating: 0, count: rows)
    var total: Double = 0
    for r in 0..<rows {
        var dot: Float = 0, pn: Float = 0, tn: Float = 0
        for j in 0..<cols {
            let a = pp[r * cols + j], b = tp[r * cols + j]
            dot += a * b; pn += a * a; tn += b * b
        }
        pNorms[r] = max(pn.squareRoot(), eps); tNorms[r] = max(tn.squareRoot(), eps)
        cosines[r] = dot / (pNorms[r] * tNorms[r])
        total += Double(1 - cosines[r])
    }
    return prediction.graph.record(Tensor(scalar: Float(total / Double(max(rows, 1)))), inputs: [prediction]) {
        [target] g, dy in
        let pp = g.value(prediction).readPointer, tp = target.readPointer
        let scale = dy.scalar / Float(max(rows, 1))
        g.accumulateGrad(prediction) { dp, beta in
            for r in 0..<rows {
                let pn = pNorms[r], tn = tNorms[r], c = cosines[r]
                // d(1 − cos)/dp = −(t / (|p||t|) − cos · p / |p|²), the second term vanishing where |p| is clamped.
                let pTerm = pn > eps ? c / (pn * pn) : 0
                for j in 0..<cols {
                    let i = r * cols + j
                    let v = -scale * (tp[i] / (pn * tn) - pTerm * pp[i])
                    dp[i] = beta == 0 ? v : dp[i] + v
                }
            }
        }
    }
}

/// Mean absolute error (Keras `"mae"`, PyTorch `L1Loss`): the mean over every element of |prediction − target|.
/// The gradient of an exactly zero difference is 0 (TensorFlow's `sign`).
public func maeLoss(_ prediction: Var, target: Tensor) -> Var {
    let pv = prediction.value
    let n = pv.count
    precondition(target.count == n, "maeLoss: prediction \(pv.shape) and target \(target.shape) differ in size")
    let pp = pv.readPointer, tp = target.readPointer
    let total = Kernels.sum(count: n) { Double(abs(pp[$0] - tp[$0])) }
    let loss = Tensor(scalar: Float(total / Double(max(n, 1))))
    return prediction.graph.record(loss, inputs: [prediction]) { [target] g, dy in
        let pp = g.value(prediction).readPointer, tp = target.readPointer
        let scale = dy.scalar / Float(max(n, 1))
        g.accumulateGrad(prediction) { dp, beta in
            Kernels.store(dp, count: n, beta: beta) { i in
                let d = pp[i] - tp[i]
                return d > 0 ? scale : (d < 0 ? -scale : 0)
            }
        }
    }
}

/// Mean row-wise RMSE, the OP3 metric as a loss (the reference's `custom_mean_rowwise_rmse`): the mean over rows of
/// sqrt(mean over the row's columns of (prediction − target)²). A row predicted exactly gets no gradient (the
/// square root is not differentiable at 0; TensorFlow would give NaN there).
public func meanRowwiseRMSELoss(_ prediction: Var, target: Tensor) -> Var {
    let pv = prediction.value
    let rows = pv.rows, cols = pv.cols
    precondition(
        target.count == pv.count,
        "meanRowwiseRMSELoss: prediction \(pv.shape) and target \(target.shape) differ in size")
    let pp = pv.readPointer, tp = target.readPointer
    var rmse = [Float](repeating: 0, count: rows)
    var total: Double = 0
    for r in 0..<rows {
        var s: Double = 0
        for j in 0..<cols { let d = Double(pp[r * cols + j] - tp[r * cols + j]); s += d * d }
        rmse[r] = Float((s / Double(cols)).squareRoot())
        total += Double(rmse[r])
    }
    let loss = Tensor(scalar: Float(total / Double(max(rows, 1))))
    return prediction.graph.record(loss, inputs: [prediction]) { [target] g, dy in
        let pp = g.value(prediction).readPointer, tp = target.readPointer
        // d/dp_rj = (p_rj − t_rj) / (rows · cols · rmse_r).
        let scale = dy.scalar / Float(max(rows, 1) * cols)
        g.accumulateGrad(prediction) { dp, beta in
            Kernels.store(dp, count: rows * cols, beta: beta) { i in
                let e = rmse[i / cols]
                return e > 0 ? scale * (pp[i] - tp[i]) / e : 0
            }
        }
    }
}
