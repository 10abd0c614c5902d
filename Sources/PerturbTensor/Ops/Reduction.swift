/// Sum over all elements (`axis == nil`, scalar result), over rows (`axis == 0`, result `[1, cols]`) or over
/// columns (`axis == 1`, result `[rows, 1]`).
public func sum(_ x: Var, axis: Int? = nil) -> Var { reduce(x, axis: axis, mean: false) }

/// Mean over all elements or one axis (same shapes as `sum`).
public func mean(_ x: Var, axis: Int? = nil) -> Var { reduce(x, axis: axis, mean: true) }

private func reduce(_ x: Var, axis: Int?, mean: Bool) -> Var {
    let xv = x.value
    let rows = xv.rows, cols = xv.cols
    precondition(axis == nil || axis == 0 || axis == 1, "sum/mean axis must be nil, 0 or 1, got \(axis!)")
    let outShape: [Int] = axis == nil ? [] : (axis == 0 ? [1, cols] : [rows, 1])
    let divisor: Float = !mean ? 1 : Float(axis == nil ? xv.count : (axis == 0 ? rows : cols))
    var y = Tensor(shape: outShape, repeating: 0)
    let xp = xv.readPointer, yp = y.mutablePointer()
    for r in 0..<rows {
        let row = xp + r * cols
        switch axis {
        case nil: var s: Double = 0; for j in 0..<cols { s += Double(row[j]) }; yp[0] += Float(s)
        case 0?: for j in 0..<cols { yp[j] += row[j] }
        default: var s: Float = 0; for j in 0..<cols { s += row[j] }; yp[r] = s
        }
    }
    if mean { for i in 0..<y.count { yp[i] /= divisor } }
    return x.graph.record(y, inputs: [x]) { g, dy in
        let dp = dy.readPointer
        let scale = 1 / divisor
        g.accumulateGrad(x) { dx, beta in
            Kernels.store(dx, count: rows * cols, beta: beta) { i in
                switch axis {
                case nil: return dp[0] * scale
                case 0?: return dp[i % cols] * scale
                default: return dp[i / cols] * scale
                }
            }
        }
    }
}
