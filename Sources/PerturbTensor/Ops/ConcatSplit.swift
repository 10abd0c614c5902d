/// Concatenates matrices with the same number of rows along the feature (column) axis.
public func concat(_ parts: [Var]) -> Var {
    precondition(!parts.isEmpty, "concat needs at least one input")
    let values = parts.map { $0.value }
    let rows = values[0].rows
    for (i, v) in values.enumerated() {
        precondition(v.rows == rows, "concat: input \(i) has \(v.rows) rows (shape \(v.shape)), input 0 has \(rows)")
    }
    let widths = values.map { $0.cols }
    let total = widths.reduce(0, +)
    var y = Tensor(uninitializedShape: [rows, total])
    let yp = y.mutablePointer()
    var offsets: [Int] = []
    var offset = 0
    for w in widths { offsets.append(offset); offset += w }
    let sources = values.map { $0.readPointer }
    Engine.parallelFor(rows, minimumChunk: max(1, 16_384 / max(total, 1))) { rr in
        for r in rr {
            for (k, src) in sources.enumerated() {
                (yp + r * total + offsets[k]).update(from: src + r * widths[k], count: widths[k])
            }
        }
    }
    return parts[0].graph.record(y, inputs: parts) { g, dy in
        let dp = dy.readPointer
        for (k, part) in parts.enumerated() {
            let w = widths[k], o = offsets[k]
            g.accumulateGrad(part) { dx, beta in
                Engine.parallelFor(rows, minimumChunk: max(1, 16_384 / max(w, 1))) { rr in
                    for r in rr {
                        let src = dp + r * total + o, dst = dx + r * w
                        if beta == 0 { dst.update(from: src, count: w) } else { for j in 0..<w { dst[j] += src[j] } }
                    }
                }
            }
        }
    }
}

/// Splits a matrix along the feature axis into consecutive pieces of the given widths (which must sum to `cols`).
public func split(_ x: Var, widths: [Int]) -> [Var] {
    let xv = x.value
    let rows = xv.rows, total = xv.cols
    precondition(
        widths.reduce(0, +) == total && widths.allSatisfy { $0 >= 0 },
        "split: widths \(widths) must be non-negative and sum to \(total) columns (x is \(xv.shape))")
    var pieces: [Var] = []
    var offset = 0
    for w in widths {
        let o = offset
        var y = Tensor(uninitializedShape: [rows, w])
        let yp = y.mutablePointer(), xp = xv.readPointer
        for r in 0..<rows { (yp + r * w).update(from: xp + r * total + o, count: w) }
        pieces.append(
            x.graph.record(y, inputs: [x]) { g, dy in
                let dp = dy.readPointer
                g.accumulateGrad(x) { dx, beta in
                    if beta == 0 { dx.initialize(repeating: 0, count: rows * total) }
                    for r in 0..<rows { for j in 0..<w { dx[r * total + o + j] += dp[r * w + j] } }
                }
            })
        offset += w
    }
    return pieces
}
