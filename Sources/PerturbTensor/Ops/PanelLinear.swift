import PerturbBase

/// Rows of a batch that share one output panel: rows `rows` (contiguous in the batch) are scored only on the
/// output units `units` (rows of the weight matrix). `target` is `[rows.count, units.count]`; `mask` (same
/// shape, nonzero = measured) is nil when every value of the group is measured. Tensors rather than arrays, so
/// the per-step group buffers are recycled by the tensor pool.
public struct PanelGroup {
    public var rows: Range<Int>
    public var units: [Int32]
    public var target: Tensor
    public var mask: Tensor?

    public init(rows: Range<Int>, units: [Int32], target: Tensor, mask: Tensor? = nil) {
        precondition(
            target.count == rows.count * units.count,
            "PanelGroup: \(target.count) targets for \(rows.count)×\(units.count)")
        precondition(mask == nil || mask!.count == target.count, "PanelGroup: mask and target differ in size")
        self.rows = rows
        self.units = units
        self.target = target
        self.mask = mask
    }

    /// Measured values of the group.
    public var measuredCount: Int {
        guard let mask else { return target.count }
        return mask.withUnsafeBufferPointer { m in m.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
    }

    /// Whether value `i` (row-major within the group) is measured.
    public func isMeasured(_ i: Int) -> Bool { mask.map { $0.readPointer[i] != 0 } ?? true }
}

/// Masked MSE of the affine layer `x · Wᵀ + b` evaluated per group on that group's units only:
/// `Σ_groups Σ mask · (x_r · W_uᵀ + b_u − t_ru)² / (measured values of all groups)`.
///
/// It equals `mseLoss(linear(x, W, b), target: dense, mask: dense)` over the full output (loss and gradients,
/// up to float summation order) while computing only the measured panel: per group, block by block over its
/// units, one GEMM against the block's gathered weight rows and one each for dx and dW, with dW and db added back
/// into the rows of the units (`PanelGroupBlocks`). Rows outside every group get zero gradient.
///
/// The loss is a graph's last node, so its gradients are computed with the forward pass, group by group (the
/// backward only scales them by the incoming gradient): besides the gradients, only one block's gathered weights
/// and residuals per thread are alive at a time.
public func panelLinearMSE(_ x: Var, weight: Var, bias: Var, groups: [PanelGroup]) -> Var {
    let graph = x.graph
    let xv = x.value, wv = weight.value, bv = bias.value
    precondition(
        xv.shape.count == 2 && wv.shape.count == 2 && wv.shape[1] == xv.shape[1] && bv.count == wv.shape[0],
        "panelLinearMSE: x \(xv.shape), weight \(wv.shape), bias \(bv.shape) do not fit [b, h], [u, h], [u]")
    let h = xv.shape[1], units = wv.shape[0], batch = xv.shape[0]
    for group in groups {
        precondition(
            group.rows.lowerBound >= 0 && group.rows.upperBound <= batch,
            "panelLinearMSE: rows \(group.rows) outside batch \(batch)")
        if let bad = group.units.first(where: { $0 < 0 || Int($0) >= units }) {
            preconditionFailure("panelLinearMSE: unit \(bad) outside the \(units) outputs")
        }
    }
    let measured = groups.reduce(0) { $0 + $1.measuredCount }
    // d loss / d residual = 2 R / measured; the factor rides in sgemm's alpha.
    let alpha: Float = measured > 0 ? 2 / Float(measured) : 0
    let wantsX = graph.needsGrad(x), wantsW = graph.needsGrad(weight), wantsB = graph.needsGrad(bias)
    var dx = wantsX ? Tensor.zeros([batch, h]) : nil
    var dw = wantsW ? Tensor.zeros([units, h]) : nil
    var db = wantsB ? Tensor.zeros([units]) : nil
    var sse = 0.0
    let blocks = PanelGroupBlocks(
        x: xv.readPointer, w: wv.readPointer, bias: bv.readPointer, h: h, alpha: alpha,
        threads: Engine.threads)
    let dxp = dx?.mutablePointer(), dwp = dw?.mutablePointer(), dbp = db?.mutablePointer()
    Engine.withSingleThreadedKernels {
        for group in groups where !group.units.isEmpty && !group.rows.isEmpty {
            sse += blocks.run(group, dx: dxp, dw: dwp, db: dbp)
        }
    }
    let loss = measured > 0 ? Float(sse / Double(measured)) : 0
    return graph.record(Tensor(scalar: loss), inputs: [x, weight, bias]) { g, dy in
        let scale = dy.scalar
        for (v, grad) in [(x, dx), (weight, dw), (bias, db)] {
            guard var grad else { continue }
            if scale != 1 {
                let p = grad.mutablePointer()
                Kernels.store(p, count: grad.count, beta: 0) { p[$0] * scale }
            }
            g.addGrad(v, grad)
        }
    }
}

/// Predictions of the same grouped layer without recording anything: per group `[rows, units]` row-major
/// `x_rows · W_unitsᵀ + b_units`.
public func panelLinearPredict(_ x: Tensor, weight: Tensor, bias: Tensor, rows: Range<Int>, units: [Int32]) -> [Float] {
    let h = x.cols
    precondition(
        weight.cols == h && rows.upperBound <= x.rows,
        "panelLinearPredict: x \(x.shape), weight \(weight.shape), rows \(rows)")
    let n = rows.count, u = units.count
    var out = [Float](repeating: 0, count: n * u)
    guard n > 0, u > 0 else { return out }
    let w = weight.gatherRows(units)
    out.withUnsafeMutableBufferPointer { op in
        w.withUnsafeBufferPointer { wp in
            sgemm(
                transposeA: false, transposeB: true, m: n, n: u, k: h, a: x.readPointer + rows.lowerBound * h, lda: h,
                b: wp.baseAddress!, ldb: h, beta: 0, c: op.baseAddress!, ldc: u)
        }
        let b = bias.readPointer
        for r in 0..<n { for k in 0..<u { op[r * u + k] += b[Int(units[k])] } }
    }
    return out
}
