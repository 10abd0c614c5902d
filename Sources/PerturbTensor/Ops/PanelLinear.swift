import PerturbBase

/// Rows of a batch that share one output panel: rows `rows` (contiguous in the batch) are scored only on the
/// output units `units` (rows of the weight matrix). `target` is row-major `[rows.count, units.count]`; `mask`
/// (same shape, nonzero = measured) is nil when every value of the group is measured.
public struct PanelGroup: Sendable {
    public var rows: Range<Int>
    public var units: [Int32]
    public var target: [Float]
    public var mask: [Float]?

    public init(rows: Range<Int>, units: [Int32], target: [Float], mask: [Float]? = nil) {
        precondition(target.count == rows.count * units.count, "PanelGroup: \(target.count) targets for \(rows.count)×\(units.count)")
        precondition(mask == nil || mask!.count == target.count, "PanelGroup: mask and target differ in size")
        self.rows = rows
        self.units = units
        self.target = target
        self.mask = mask
    }

    /// Measured values of the group.
    public var measuredCount: Int { mask.map { m in m.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } } ?? target.count }
}

/// Masked MSE of the affine layer `x · Wᵀ + b` evaluated per group on that group's units only:
/// `Σ_groups Σ mask · (x_r · W_uᵀ + b_u − t_ru)² / (measured values of all groups)`.
///
/// It equals `mseLoss(linear(x, W, b), target: dense, mask: dense)` over the full output (loss and gradients,
/// up to float summation order) while computing only the measured panel: per group one GEMM against the
/// gathered weight rows of its units, and in the backward one GEMM each for dx and dW, with dW and db
/// scattered back into the rows of the units. Rows outside every group get zero gradient.
public func panelLinearMSE(_ x: Var, weight: Var, bias: Var, groups: [PanelGroup]) -> Var {
    let xv = x.value, wv = weight.value, bv = bias.value
    precondition(xv.shape.count == 2 && wv.shape.count == 2 && wv.shape[1] == xv.shape[1] && bv.count == wv.shape[0],
                 "panelLinearMSE: x \(xv.shape), weight \(wv.shape), bias \(bv.shape) do not fit [b, h], [u, h], [u]")
    let h = xv.shape[1], units = wv.shape[0], batch = xv.shape[0]
    for group in groups {
        precondition(group.rows.lowerBound >= 0 && group.rows.upperBound <= batch, "panelLinearMSE: rows \(group.rows) outside batch \(batch)")
        if let bad = group.units.first(where: { $0 < 0 || Int($0) >= units }) {
            preconditionFailure("panelLinearMSE: unit \(bad) outside the \(units) outputs")
        }
    }
    var residuals: [[Float]] = []
    var gathered: [[Float]] = []
    var sse = 0.0
    var measured = 0
    for group in groups {
        let n = group.rows.count, u = group.units.count
        let w = gatherRows(wv, group.units, width: h)
        var r = [Float](repeating: 0, count: n * u)
        r.withUnsafeMutableBufferPointer { rp in
            w.withUnsafeBufferPointer { wp in
                sgemm(transposeA: false, transposeB: true, m: n, n: u, k: h, a: xv.readPointer + group.rows.lowerBound * h, lda: h,
                      b: wp.baseAddress!, ldb: h, beta: 0, c: rp.baseAddress!, ldc: u)
            }
            sse += residualsInPlace(rp, group: group, bias: bv.readPointer)
        }
        measured += group.measuredCount
        residuals.append(r)
        gathered.append(w)
    }
    let loss = measured > 0 ? Float(sse / Double(measured)) : 0
    return x.graph.record(Tensor(scalar: loss), inputs: [x, weight, bias]) { g, dy in
        let scale = measured > 0 ? 2 * dy.scalar / Float(measured) : 0
        let xv = g.value(x)
        // dR = scale · R (R is already 0 where unmeasured); the scale rides in sgemm's alpha.
        g.accumulateGrad(x) { dx, beta in
            if beta == 0 { dx.initialize(repeating: 0, count: batch * h) }
            for (i, group) in groups.enumerated() where !group.units.isEmpty {
                // dx_rows += dR · W_units
                residuals[i].withUnsafeBufferPointer { dr in
                    gathered[i].withUnsafeBufferPointer { wp in
                        sgemm(transposeA: false, transposeB: false, m: group.rows.count, n: h, k: group.units.count, alpha: scale,
                              a: dr.baseAddress!, lda: group.units.count, b: wp.baseAddress!, ldb: h,
                              beta: 1, c: dx + group.rows.lowerBound * h, ldc: h)
                    }
                }
            }
        }
        g.accumulateGrad(weight) { dw, beta in
            if beta == 0 { dw.initialize(repeating: 0, count: units * h) }
            for (i, group) in groups.enumerated() where !group.units.isEmpty {
                // dW_units += dRᵀ · x_rows, then scattered into the unit rows.
                let u = group.units.count
                var part = [Float](repeating: 0, count: u * h)
                part.withUnsafeMutableBufferPointer { pp in
                    residuals[i].withUnsafeBufferPointer { dr in
                        sgemm(transposeA: true, transposeB: false, m: u, n: h, k: group.rows.count, alpha: scale, a: dr.baseAddress!, lda: u,
                              b: xv.readPointer + group.rows.lowerBound * h, ldb: h, beta: 0, c: pp.baseAddress!, ldc: h)
                    }
                    let src = UnsafePointer(pp.baseAddress!)
                    group.units.withUnsafeBufferPointer { unitList in
                        Engine.parallelFor(u, minimumChunk: max(1, 65_536 / h)) { range in
                            for k in range {
                                let dst = dw + Int(unitList[k]) * h, row = src + k * h
                                for j in 0..<h { dst[j] += row[j] }
                            }
                        }
                    }
                }
            }
        }
        g.accumulateGrad(bias) { db, beta in
            if beta == 0 { db.initialize(repeating: 0, count: units) }
            for (i, group) in groups.enumerated() {
                let u = group.units.count
                residuals[i].withUnsafeBufferPointer { dr in
                    for r in 0..<group.rows.count {
                        for k in 0..<u { db[Int(group.units[k])] += scale * dr[r * u + k] }
                    }
                }
            }
        }
    }
}

/// Predictions of the same grouped layer without recording anything: per group `[rows, units]` row-major
/// `x_rows · W_unitsᵀ + b_units`.
public func panelLinearPredict(_ x: Tensor, weight: Tensor, bias: Tensor, rows: Range<Int>, units: [Int32]) -> [Float] {
    let h = x.cols
    precondition(weight.cols == h && rows.upperBound <= x.rows, "panelLinearPredict: x \(x.shape), weight \(weight.shape), rows \(rows)")
    let n = rows.count, u = units.count
    var out = [Float](repeating: 0, count: n * u)
    guard n > 0, u > 0 else { return out }
    let w = gatherRows(weight, units, width: h)
    out.withUnsafeMutableBufferPointer { op in
        w.withUnsafeBufferPointer { wp in
            sgemm(transposeA: false, transposeB: true, m: n, n: u, k: h, a: x.readPointer + rows.lowerBound * h, lda: h,
                  b: wp.baseAddress!, ldb: h, beta: 0, c: op.baseAddress!, ldc: u)
        }
        let b = bias.readPointer
        for r in 0..<n { for k in 0..<u { op[r * u + k] += b[Int(units[k])] } }
    }
    return out
}

/// Rows `indices` of a `[*, width]` matrix, row-major.
private func gatherRows(_ m: Tensor, _ indices: [Int32], width: Int) -> [Float] {
    var out = [Float](repeating: 0, count: indices.count * width)
    let src = m.readPointer
    out.withUnsafeMutableBufferPointer { op in
        let dst = op.baseAddress!
        indices.withUnsafeBufferPointer { ip in
            Engine.parallelFor(indices.count, minimumChunk: max(1, 65_536 / max(1, width))) { range in
                for k in range { (dst + k * width).update(from: src + Int(ip[k]) * width, count: width) }
            }
        }
    }
    return out
}

/// Turns `x·Wᵀ` into masked residuals `(x·Wᵀ + b − t)·mask` in place; returns their sum of squares.
private func residualsInPlace(_ r: UnsafeMutableBufferPointer<Float>, group: PanelGroup, bias: UnsafePointer<Float>) -> Double {
    let u = group.units.count
    var sse = 0.0
    let mask = group.mask
    group.target.withUnsafeBufferPointer { t in
        for row in 0..<group.rows.count {
            var rowSSE: Float = 0
            for k in 0..<u {
                let i = row * u + k
                var d = r[i] + bias[Int(group.units[k])] - t[i]
                if let mask, mask[i] == 0 { d = 0 }
                r[i] = d
                rowSSE += d * d
            }
            sse += Double(rowSSE)
        }
    }
    return sse
}
