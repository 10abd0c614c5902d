import CKernels
import PerturbBase

/// `linear(concatParts(parts), weight: weight, bias: bias, relu: relu)` without forming the concatenation.
///
/// `weight` is `[H, parts·D]`; `W_t` is its slice of columns for part `t`. Each table part is projected once per
/// distinct row the batch uses, `P_t = table[used]·W_tᵀ` (`[used, H]`); each scaled part folds into two vectors,
/// `W_t·w` (times the row's scalar) and `W_t·b` (a constant); a row's output is the constant plus its scalars'
/// slopes plus its rows of every `P_t`. Where tables are shared by many batch rows — a scalar-mode LPM batch of
/// 16,384 (condition, gene) rows has a few thousand distinct compounds and genes and a few dozen datasets and
/// contexts — this is a fraction of the dense layer's multiply-adds: `Σ_t used_t·D·H` instead of `batch·parts·D·H`.
///
/// Backward: the output gradient summed per distinct row of each table, `S_t` (in row order), gives
/// `dW_t = S_tᵀ·table[used]` and `d table[used] += S_t·W_t`; a scaled part's weight and bias gradients and its
/// slice of `dW` come from two column sums. Column reductions are split by columns across threads, so results do not
/// depend on the thread count beyond OpenBLAS's own (as `linear`).
public func concatLinear(_ parts: [ConcatPart], weight: Var, bias: Var?, relu: Bool = false) -> Var {
    let (b, d) = ConcatPart.validate(parts, op: "concatLinear")
    let wv = weight.value, k = parts.count * d
    precondition(
        wv.shape.count == 2 && wv.shape[1] == k,
        "concatLinear: weight is \(wv.shape), expected [out, \(k)] for \(parts.count) parts of \(d)")
    let h = wv.shape[0], wp = wv.readPointer
    var constant = [Float](repeating: 0, count: h)
    if let bv = bias?.value {
        precondition(bv.count == h, "concatLinear: bias has \(bv.count) elements, expected \(h)")
        constant = bv.scalars
    }
    var projections: [TableProjection] = []
    var slopes: [(values: [Float], slope: [Float])] = []
    for (t, part) in parts.enumerated() {
        switch part {
        case .rows(let table, let indices):
            projections.append(
                TableProjection(part: t, table: table.value, indices: indices, weight: wp, ldw: k, outputs: h))
        case .scaled(let values, let w, let bb):
            let (slope, offset) = sliceTimes(wp + t * d, ldw: k, rows: h, w.value.readPointer, bb.value.readPointer, d)
            for i in 0..<h { constant[i] += offset[i] }
            slopes.append((values, slope))
        }
    }
    var y = Tensor(uninitializedShape: [b, h])
    let yp = y.mutablePointer()
    let projected = projections.map { $0.projected.readPointer }
    constant.withUnsafeBufferPointer { c in
        Engine.parallelFor(b, minimumChunk: max(1, 8_192 / h)) { range in
            for r in range {
                let row = yp + r * h
                row.update(from: c.baseAddress!, count: h)
                for (values, slope) in slopes {
                    let v = values[r]
                    slope.withUnsafeBufferPointer { s in for i in 0..<h { row[i] += v * s[i] } }
                }
                for (p, projection) in projections.enumerated() {
                    let src = projected[p] + Int(projection.local[r]) * h
                    for i in 0..<h { row[i] += src[i] }
                }
                if relu { for i in 0..<h { row[i] = max(row[i], 0) } }
            }
        }
    }
    let inputs = parts.flatMap(\.variables) + [weight] + (bias.map { [$0] } ?? [])
    return parts[0].graph.record(y, inputs: inputs) { [y] g, dy in
        let dyp = relu ? Kernels.reluMaskedInPlace(&dy, output: y) : dy.readPointer
        let wp = g.value(weight).readPointer
        var total = [Float](repeating: 0, count: h)
        total.withUnsafeMutableBufferPointer {
            Kernels.columnSums(dyp, rows: b, cols: h, into: $0.baseAddress!, beta: 0)
        }
        let sums = TableProjection.gradientSums(projections, dyp, rows: b, outputs: h)
        var weightedSums: [Int: [Float]] = [:]
        for (t, part) in parts.enumerated() {
            if case .scaled(let values, _, _) = part {
                var weighted = [Float](repeating: 0, count: h)
                values.withUnsafeBufferPointer { x in
                    weighted.withUnsafeMutableBufferPointer { w in
                        guard let x = x.baseAddress else { return }  // an empty batch: the sums stay 0
                        Kernels.weightedColumnSums(dyp, rows: b, cols: h, weights: x, into: w.baseAddress!, beta: 0)
                    }
                }
                weightedSums[t] = weighted
            }
        }
        g.accumulateGrad(weight) { dw, beta in
            for (p, projection) in projections.enumerated() {
                sgemm(
                    transposeA: true, transposeB: false, m: h, n: d, k: projection.used.count,
                    a: sums[p].readPointer, lda: h, b: projection.gathered.readPointer, ldb: d, beta: beta,
                    c: dw + projection.part * d, ldc: k)
            }
            for (t, part) in parts.enumerated() {
                guard case .scaled(_, let w, let bb) = part, let weighted = weightedSums[t] else { continue }
                let wq = g.value(w).readPointer, bq = g.value(bb).readPointer
                for i in 0..<h {
                    let dst = dw + i * k + t * d
                    for j in 0..<d { dst[j] = (beta == 0 ? 0 : dst[j]) + weighted[i] * wq[j] + total[i] * bq[j] }
                }
            }
        }
        if let bias { g.accumulateGrad(bias) { add(total, to: $0, beta: $1) } }
        for (t, part) in parts.enumerated() {
            switch part {
            case .rows(let table, _):
                guard g.needsGrad(table), let p = projections.firstIndex(where: { $0.part == t }) else { continue }
                projections[p].scatterGradient(sums[p], weight: wp + t * d, ldw: k, into: table, graph: g)
            case .scaled(_, let w, let bb):
                let (gw, gb) = sliceTransposedTimes(wp + t * d, ldw: k, rows: h, weightedSums[t]!, total, d)
                g.accumulateGrad(w) { add(gw, to: $0, beta: $1) }
                g.accumulateGrad(bb) { add(gb, to: $0, beta: $1) }
            }
        }
    }
}

/// One table part of `concatLinear`: the distinct table rows the batch uses, each batch row's position among them,
/// those rows gathered (`[used, D]`) and projected through the part's weight slice (`[used, H]`).
private struct TableProjection {
    let part: Int
    let used: [Int32]
    let local: [Int32]
    let gathered: Tensor
    let projected: Tensor

    init(part: Int, table: Tensor, indices: [Int32], weight: UnsafePointer<Float>, ldw: Int, outputs h: Int) {
        self.part = part
        let d = table.cols
        var slot = [Int32](repeating: -1, count: table.rows)
        var used: [Int32] = [], local: [Int32] = []
        local.reserveCapacity(indices.count)
        for i in indices {
            if slot[Int(i)] < 0 {
                slot[Int(i)] = Int32(used.count)
                used.append(i)
            }
            local.append(slot[Int(i)])
        }
        var gathered = Tensor(uninitializedShape: [used.count, d])
        let gp = gathered.mutablePointer(), tp = table.readPointer
        for (u, i) in used.enumerated() { (gp + u * d).update(from: tp + Int(i) * d, count: d) }
        var projected = Tensor(uninitializedShape: [used.count, h])
        if !used.isEmpty {
            sgemm(
                transposeA: false, transposeB: true, m: used.count, n: h, k: d, a: gathered.readPointer, lda: d,
                b: weight + part * d, ldb: ldw, beta: 0, c: projected.mutablePointer(), ldc: h)
        }
        self.used = used
        self.local = local
        self.gathered = gathered
        self.projected = projected
    }

    /// Per projection `S[u] = Σ_{r : local[r] = u} dy[r]` (`[used, H]`), each element summed in row order, all
    /// projections in one pass over `dy` (`pb_segment_row_sums`).
    static func gradientSums(
        _ projections: [TableProjection], _ dy: UnsafePointer<Float>, rows b: Int, outputs h: Int
    ) -> [Tensor] {
        var sums = projections.map { Tensor(shape: [$0.used.count, h], repeating: 0) }
        guard !projections.isEmpty, b > 0 else { return sums }
        var destinations: [UnsafeMutablePointer<Float>?] = []
        for t in sums.indices { destinations.append(sums[t].mutablePointer()) }
        let locals = projections.flatMap(\.local)
        locals.withUnsafeBufferPointer { l in
            destinations.withUnsafeBufferPointer { d in
                forColumnChunks(h, work: b * h) { cols in
                    pb_segment_row_sums(
                        dy, b, h, cols.lowerBound, cols.upperBound, projections.count, d.baseAddress!, l.baseAddress!)
                }
            }
        }
        return sums
    }

    /// Adds `S·W_t` (`[used, D]`) into the used rows of the table's gradient.
    func scatterGradient(
        _ sums: Tensor, weight: UnsafePointer<Float>, ldw: Int, into table: Var, graph g: Graph
    ) {
        let d = gathered.cols, h = sums.cols, n = g.value(table).rows
        var rowsGradient = Tensor(uninitializedShape: [used.count, d])
        if !used.isEmpty {
            sgemm(
                transposeA: false, transposeB: false, m: used.count, n: d, k: h, a: sums.readPointer, lda: h,
                b: weight, ldb: ldw, beta: 0, c: rowsGradient.mutablePointer(), ldc: d)
        }
        let rp = rowsGradient.readPointer
        g.accumulateGrad(table) { dt, beta in
            if beta == 0 { dt.initialize(repeating: 0, count: n * d) }
            used.withUnsafeBufferPointer { u in
                guard let u = u.baseAddress else { return }
                Engine.parallelFor(used.count, minimumChunk: max(1, 16_384 / d)) { range in
                    pb_add_rows(dt, u + range.lowerBound, rp + range.lowerBound * d, range.count, d)
                }
            }
        }
    }
}

/// `(W·w, W·b)` for a `rows × d` slice `W` (row stride `ldw`) and two `d`-vectors.
private func sliceTimes(
    _ w: UnsafePointer<Float>, ldw: Int, rows: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int
) -> ([Float], [Float]) {
    var a = [Float](repeating: 0, count: rows), c = [Float](repeating: 0, count: rows)
    for i in 0..<rows {
        let row = w + i * ldw
        for j in 0..<d { a[i] += row[j] * x[j]; c[i] += row[j] * y[j] }
    }
    return (a, c)
}

/// `(Wᵀ·u, Wᵀ·v)` for a `rows × d` slice `W` (row stride `ldw`) and two `rows`-vectors.
private func sliceTransposedTimes(
    _ w: UnsafePointer<Float>, ldw: Int, rows: Int, _ u: [Float], _ v: [Float], _ d: Int
) -> ([Float], [Float]) {
    var a = [Float](repeating: 0, count: d), c = [Float](repeating: 0, count: d)
    for i in 0..<rows {
        let row = w + i * ldw
        for j in 0..<d { a[j] += row[j] * u[i]; c[j] += row[j] * v[i] }
    }
    return (a, c)
}
