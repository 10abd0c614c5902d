import PerturbBase
import PerturbNN
import PerturbTensor

/// Per-row indices and scalars of an LPM batch, as consumed by `lpmInput`.
struct LPMRowIndices {
    var dataset: [Int32]
    var context: [Int32]
    /// Row of the per-batch compound matrix (one row per distinct compound set of the batch).
    var compoundRow: [Int32]
    /// Gene code (scalar mode only).
    var gene: [Int32]?
    var logDose: [Float]
    var time: [Float]
    var count: Int { dataset.count }
}

/// The LPM's input layer in one pass: `x = [dataset[ds], context[ctx], compounds[row], gene[g]?, dose·w_d + b_d,
/// time·w_t + b_t]`, `[batch, k·D]` with k = 6 (scalar) or 5 (multiout).
///
/// It is the composition `concat([embedding, embedding, embedding(compounds), embedding?, linear(dose),
/// linear(time)])` fused so the batch is written once and the backward scatters the output gradient straight into
/// the tables (no per-part intermediates). Gradient scatters are split by columns across threads, so every element
/// is accumulated in row order whatever the thread count (deterministic).
func lpmInput(
    dataset: Var, context: Var, compounds: Var, gene: Var?, doseWeight: Var, doseBias: Var,
    timeWeight: Var, timeBias: Var, rows: LPMRowIndices
) -> Var {
    let graph = dataset.graph
    let tables = [dataset, context, compounds] + (gene.map { [$0] } ?? [])
    let values = tables.map { $0.value }
    let d = values[0].cols
    for (i, v) in values.enumerated() {
        precondition(v.shape.count == 2 && v.cols == d, "lpmInput: table \(i) is \(v.shape), expected [*, \(d)]")
    }
    let indexLists: [[Int32]] = [rows.dataset, rows.context, rows.compoundRow] + (rows.gene.map { [$0] } ?? [])
    let b = rows.count
    for (t, list) in indexLists.enumerated() {
        precondition(list.count == b, "lpmInput: index list \(t) has \(list.count) entries, batch is \(b)")
        let limit = Int32(values[t].rows)
        if let bad = list.firstIndex(where: { $0 < 0 || $0 >= limit }) {
            preconditionFailure("lpmInput: index \(list[bad]) at row \(bad) outside table \(t) of \(limit) rows")
        }
    }
    let parts = tables.count + 2
    let width = parts * d
    var y = Tensor(uninitializedShape: [b, width])
    let yp = y.mutablePointer()
    let tablePointers = values.map { $0.readPointer }
    let dw = doseWeight.value, db = doseBias.value, tw = timeWeight.value, tb = timeBias.value
    precondition(
        dw.count == d && db.count == d && tw.count == d && tb.count == d, "lpmInput: dose/time layers must be 1 → \(d)")
    let dwp = dw.readPointer, dbp = db.readPointer, twp = tw.readPointer, tbp = tb.readPointer
    indexLists.withPointers { ip in
        rows.logDose.withUnsafeBufferPointer { dose in
            rows.time.withUnsafeBufferPointer { time in
                Engine.parallelFor(b, minimumChunk: max(1, 16_384 / width)) { range in
                    for r in range {
                        let row = yp + r * width
                        for t in 0..<tablePointers.count {
                            (row + t * d).update(from: tablePointers[t] + Int(ip[t][r]) * d, count: d)
                        }
                        let dr = row + tablePointers.count * d, tr = dr + d
                        let x = dose[r], s = time[r]
                        for j in 0..<d { dr[j] = x * dwp[j] + dbp[j]; tr[j] = s * twp[j] + tbp[j] }
                    }
                }
            }
        }
    }
    let inputs = tables + [doseWeight, doseBias, timeWeight, timeBias]
    return graph.record(y, inputs: inputs) { g, dy in
        let gp = dy.readPointer
        for (t, table) in tables.enumerated() {
            let n = g.value(table).rows
            let list = indexLists[t]
            g.accumulateGrad(table) { dt, beta in
                if beta == 0 { dt.initialize(repeating: 0, count: n * d) }
                list.withUnsafeBufferPointer { ip in
                    forColumns(d, work: b * d) { cols in
                        for r in 0..<b {
                            let src = gp + r * width + t * d, dst = dt + Int(ip[r]) * d
                            for j in cols { dst[j] += src[j] }
                        }
                    }
                }
            }
        }
        /// Gradients of a Linear(1 → D): dW[j] = Σ_r dy[r, j]·x[r], db[j] = Σ_r dy[r, j] (row order per column).
        func scalarLayer(_ weight: Var, _ bias: Var, _ input: [Float], offset: Int) {
            var gw = [Float](repeating: 0, count: d), gb = [Float](repeating: 0, count: d)
            input.withUnsafeBufferPointer { x in
                gw.withUnsafeMutableBufferPointer { w in
                    gb.withUnsafeMutableBufferPointer { bb in
                        forColumns(d, work: b * d) { cols in
                            for r in 0..<b {
                                let src = gp + r * width + offset, xr = x[r]
                                for j in cols { w[j] += src[j] * xr; bb[j] += src[j] }
                            }
                        }
                    }
                }
            }
            g.accumulateGrad(weight) { dst, beta in for j in 0..<d { dst[j] = beta == 0 ? gw[j] : dst[j] + gw[j] } }
            g.accumulateGrad(bias) { dst, beta in for j in 0..<d { dst[j] = beta == 0 ? gb[j] : dst[j] + gb[j] } }
        }
        scalarLayer(doseWeight, doseBias, rows.logDose, offset: tables.count * d)
        scalarLayer(timeWeight, timeBias, rows.time, offset: (tables.count + 1) * d)
    }
}

/// Splits `0..<columns` across the engine's threads when there is enough work.
private func forColumns(_ columns: Int, work: Int, _ body: (Range<Int>) -> Void) {
    let workers = min(Engine.threads, columns, work / 65_536)
    if workers <= 1 { body(0..<columns); return }
    Parallel.forEachChunk(count: columns, threads: workers, body)
}

private extension Array where Element == [Int32] {
    /// Calls `body` with base pointers of every inner array (valid for the duration of the call).
    func withPointers<R>(_ body: ([UnsafePointer<Int32>]) -> R) -> R {
        func go(_ i: Int, _ acc: [UnsafePointer<Int32>]) -> R {
            if i == count { return body(acc) }
            return self[i].withUnsafeBufferPointer {
                go(i + 1, acc + [$0.baseAddress ?? UnsafePointer(bitPattern: 8)!])
            }
        }
        return go(0, [])
    }
}
