import PerturbBase

/// One `D`-wide slice of a row-wise concatenation `[part₀ | part₁ | …]`, described without materializing it: the
/// input of a model that concatenates embeddings and projected scalars (the LPM) before its first layer.
public enum ConcatPart {
    /// Row `indices[r]` of `table` (`[n, D]`) for batch row `r`: an embedding lookup.
    case rows(of: Var, indices: [Int32])
    /// `values[r] · weight + bias` for batch row `r`: a per-row scalar through a Linear(1 → D) (`weight` `[D, 1]`,
    /// `bias` `[D]`).
    case scaled([Float], weight: Var, bias: Var)

    /// Batch rows the part describes.
    var count: Int {
        switch self {
        case .rows(_, let indices): return indices.count
        case .scaled(let values, _, _): return values.count
        }
    }

    /// The slice's width `D`.
    var width: Int {
        switch self {
        case .rows(let table, _): return table.value.cols
        case .scaled(_, let weight, _): return weight.value.count
        }
    }

    /// Checks shapes and indices; returns the batch size and the common width.
    static func validate(_ parts: [ConcatPart], op: String) -> (batch: Int, width: Int) {
        precondition(!parts.isEmpty, "\(op): no parts")
        let b = parts[0].count, d = parts[0].width
        for (i, part) in parts.enumerated() {
            precondition(part.count == b, "\(op): part \(i) has \(part.count) rows, part 0 has \(b)")
            precondition(part.width == d, "\(op): part \(i) is \(part.width) wide, part 0 is \(d)")
            switch part {
            case .rows(let table, let indices):
                precondition(table.value.shape.count == 2, "\(op): table of part \(i) is \(table.value.shape)")
                let limit = Int32(table.value.rows)
                if let bad = indices.firstIndex(where: { $0 < 0 || $0 >= limit }) {
                    preconditionFailure("\(op): index \(indices[bad]) at row \(bad) outside part \(i)'s \(limit) rows")
                }
            case .scaled(_, let weight, let bias):
                precondition(
                    weight.value.count == d && bias.value.count == d,
                    "\(op): part \(i) is a Linear(1 → \(d)) with \(weight.value.count) weights and \(bias.value.count) biases"
                )
            }
        }
        return (b, d)
    }
}

/// The concatenation `[batch, parts·D]` written in one pass; the backward scatters each slice's gradient straight
/// into its table, or reduces it into its Linear(1 → D). Equal to `concat` of `embedding` and `linear` results,
/// without the per-part intermediates. Reductions over rows are split by columns across threads, so every element
/// is accumulated in row order whatever the thread count (deterministic).
public func concatParts(_ parts: [ConcatPart]) -> Var {
    let (b, d) = ConcatPart.validate(parts, op: "concatParts")
    let width = parts.count * d
    var y = Tensor(uninitializedShape: [b, width])
    let yp = y.mutablePointer()
    for (t, part) in parts.enumerated() {
        switch part {
        case .rows(let table, let indices):
            let tp = table.value.readPointer
            indices.withUnsafeBufferPointer { ip in
                Engine.parallelFor(b, minimumChunk: max(1, 16_384 / d)) { range in
                    for r in range { (yp + r * width + t * d).update(from: tp + Int(ip[r]) * d, count: d) }
                }
            }
        case .scaled(let values, let weight, let bias):
            let wp = weight.value.readPointer, bp = bias.value.readPointer
            values.withUnsafeBufferPointer { x in
                Engine.parallelFor(b, minimumChunk: max(1, 16_384 / d)) { range in
                    for r in range {
                        let row = yp + r * width + t * d, v = x[r]
                        for j in 0..<d { row[j] = v * wp[j] + bp[j] }
                    }
                }
            }
        }
    }
    return parts[0].graph.record(y, inputs: parts.flatMap(\.variables)) { g, dy in
        let gp = dy.readPointer
        for (t, part) in parts.enumerated() {
            switch part {
            case .rows(let table, let indices):
                let n = g.value(table).rows
                g.accumulateGrad(table) { dt, beta in
                    if beta == 0 { dt.initialize(repeating: 0, count: n * d) }
                    indices.withUnsafeBufferPointer { ip in
                        forColumnChunks(d, work: b * d) { cols in
                            for r in 0..<b {
                                let src = gp + r * width + t * d, dst = dt + Int(ip[r]) * d
                                for j in cols { dst[j] += src[j] }
                            }
                        }
                    }
                }
            case .scaled(let values, let weight, let bias):
                let (gw, gb) = scaledSums(gp + t * d, stride: width, rows: b, columns: d, values: values)
                g.accumulateGrad(weight) { dst, beta in add(gw, to: dst, beta: beta) }
                g.accumulateGrad(bias) { dst, beta in add(gb, to: dst, beta: beta) }
            }
        }
    }
}

extension ConcatPart {
    /// The graph the part's variables live on.
    public var graph: Graph {
        switch self {
        case .rows(let table, _): return table.graph
        case .scaled(_, let weight, _): return weight.graph
        }
    }

    /// The part's differentiable inputs.
    var variables: [Var] {
        switch self {
        case .rows(let table, _): return [table]
        case .scaled(_, let weight, let bias): return [weight, bias]
        }
    }
}

/// Per column `j` of a `rows × columns` block (row stride `stride`): `Σ_r m[r, j]·values[r]` and `Σ_r m[r, j]`,
/// each in row order.
func scaledSums(
    _ m: UnsafePointer<Float>, stride: Int, rows: Int, columns: Int, values: [Float]
) -> (weighted: [Float], plain: [Float]) {
    var weighted = [Float](repeating: 0, count: columns), plain = [Float](repeating: 0, count: columns)
    values.withUnsafeBufferPointer { x in
        weighted.withUnsafeMutableBufferPointer { w in
            plain.withUnsafeMutableBufferPointer { p in
                forColumnChunks(columns, work: rows * columns) { cols in
                    for r in 0..<rows {
                        let src = m + r * stride, xr = x[r]
                        for j in cols { w[j] += src[j] * xr; p[j] += src[j] }
                    }
                }
            }
        }
    }
    return (weighted, plain)
}

/// Writes (`beta == 0`) or adds `values` into `dst`.
func add(_ values: [Float], to dst: UnsafeMutablePointer<Float>, beta: Float) {
    for j in values.indices { dst[j] = beta == 0 ? values[j] : dst[j] + values[j] }
}

/// Splits `0..<columns` across the engine's threads when there is enough work (per-column reductions stay in row
/// order, so results do not depend on the thread count).
func forColumnChunks(_ columns: Int, work: Int, _ body: (Range<Int>) -> Void) {
    let workers = min(Engine.threads, columns, work / 65_536)
    if workers <= 1 { body(0..<columns); return }
    Parallel.forEachChunk(count: columns, threads: workers, body)
}
