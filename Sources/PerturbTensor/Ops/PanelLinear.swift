import PerturbBase

/// Rows of a batch scored on a set of output units: rows `rows` (contiguous in the batch) against the weight rows
/// `units`. Only measured targets are held, one tensor per row (`rowValues`, 4 bytes a value: the rows' own
/// buffers, shared with whoever read them, so building a group copies no values):
/// - an exact group (`layouts == nil`) measures every unit in every row: row `r` holds `units.count` values, in
///   the order of `units`;
/// - a merged group (several gene panels over the union of their genes, `layouts` set) holds each row's values in
///   the order of its own panel, and `layouts` says where each unit's value is (or that the row does not measure
///   it). No dense target or mask over the union is ever built: a block of it is gathered when the loss needs it.
public struct PanelGroup {
    /// Where the values of a merged group's rows are, per unit.
    public struct Layouts {
        /// Per row, its layout (an index into `positions` in steps of `units.count`).
        public let rowLayout: [Int32]
        /// Per layout and unit, row-major `[layouts, units.count]`: the position of the unit's value within a row's
        /// values, −1 where rows of that layout do not measure the unit.
        public let positions: [Int32]

        public init(rowLayout: [Int32], positions: [Int32]) {
            self.rowLayout = rowLayout
            self.positions = positions
        }
    }

    public let rows: Range<Int>
    public let units: [Int32]
    /// The measured targets of each row (`rows.count` rank-1 tensors).
    public let rowValues: [Tensor]
    /// nil for an exact group; see the type's description.
    public let layouts: Layouts?
    /// Measured values of the group.
    public let measuredCount: Int

    /// An exact group: every row's tensor holds `units.count` values, every one measured.
    public init(rows: Range<Int>, units: [Int32], rowValues: [Tensor]) {
        precondition(rowValues.count == rows.count, "PanelGroup: \(rowValues.count) value rows for \(rows.count) rows")
        for (r, values) in rowValues.enumerated() {
            precondition(
                values.count == units.count, "PanelGroup: row \(r) holds \(values.count) of \(units.count) targets")
        }
        self.rows = rows
        self.units = units
        self.rowValues = rowValues
        layouts = nil
        measuredCount = rows.count * units.count
    }

    /// A merged group (see `Layouts`).
    public init(rows: Range<Int>, units: [Int32], rowValues: [Tensor], layouts: Layouts) {
        let u = units.count
        precondition(
            rowValues.count == rows.count && layouts.rowLayout.count == rows.count
                && layouts.positions.count % max(1, u) == 0,
            "PanelGroup: layouts do not fit \(rows.count) rows, \(rowValues.count) value rows and \(u) units")
        // The values a row of each layout needs: one more than its largest position.
        let layoutCount = layouts.positions.count / max(1, u)
        var needed = [Int](repeating: 0, count: layoutCount)
        for j in 0..<layoutCount {
            for position in layouts.positions[(j * u)..<((j + 1) * u)] { needed[j] = max(needed[j], Int(position) + 1) }
        }
        for (r, layout) in layouts.rowLayout.enumerated() where u > 0 {
            let width = rowValues[r].count
            precondition(
                layout >= 0 && Int(layout) < layoutCount && needed[Int(layout)] <= width,
                "PanelGroup: row \(r) has a layout outside its \(width) values")
        }
        self.rows = rows
        self.units = units
        self.rowValues = rowValues
        self.layouts = layouts
        measuredCount = rowValues.reduce(0) { $0 + $1.count }
    }

    /// A group from a dense `[rows.count, units.count]` target and mask (nonzero = measured; nil: all measured).
    public init(rows: Range<Int>, units: [Int32], target: Tensor, mask: Tensor?) {
        let u = units.count
        precondition(
            target.count == rows.count * u && (mask?.count ?? target.count) == target.count,
            "PanelGroup: target and mask do not fit \(rows.count)×\(u)")
        let t = target.scalars
        guard let mask else {
            self.init(
                rows: rows, units: units,
                rowValues: (0..<rows.count).map { Tensor(shape: [u], values: Array(t[($0 * u)..<(($0 + 1) * u)])) })
            return
        }
        let m = mask.scalars
        var rowValues: [Tensor] = [], rowLayout: [Int32] = [], positions: [Int32] = []
        var layoutOf: [[Bool]: Int32] = [:]
        for r in 0..<rows.count {
            let measured = (0..<u).map { m[r * u + $0] != 0 }
            if layoutOf[measured] == nil {
                layoutOf[measured] = Int32(layoutOf.count)
                var next: Int32 = 0
                for isMeasured in measured {
                    positions.append(isMeasured ? next : -1)
                    if isMeasured { next += 1 }
                }
            }
            rowLayout.append(layoutOf[measured]!)
            let values = (0..<u).filter { measured[$0] }.map { t[r * u + $0] }
            rowValues.append(Tensor(shape: [values.count], values: values))
        }
        self.init(
            rows: rows, units: units, rowValues: rowValues,
            layouts: Layouts(rowLayout: rowLayout, positions: positions))
    }

    /// The target of row `r` (0-based within the group) at unit position `k`, nil where it is not measured.
    public func target(row r: Int, unit k: Int) -> Float? {
        guard let layouts else { return rowValues[r].readPointer[k] }
        let position = layouts.positions[Int(layouts.rowLayout[r]) * units.count + k]
        return position < 0 ? nil : rowValues[r].readPointer[Int(position)]
    }
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
