/// Embedding lookup: row `indices[i]` of `table` (`[vocabulary, dim]`) becomes row `i` of the `[n, dim]` result.
/// Backward scatter-adds into the table gradient (repeated indices accumulate); skipped for a frozen table.
public func embedding(_ table: Var, indices: [Int32]) -> Var {
    let tv = table.value
    precondition(tv.shape.count == 2, "embedding table must be [vocabulary, dim], got \(tv.shape)")
    let vocabulary = tv.shape[0], dim = tv.shape[1], n = indices.count
    var y = Tensor(uninitializedShape: [n, dim])
    let yp = y.mutablePointer(), tp = tv.readPointer
    indices.withUnsafeBufferPointer { ip in
        for i in 0..<n {
            let k = Int(ip[i])
            precondition(k >= 0 && k < vocabulary, "embedding index \(k) at position \(i) outside 0..<\(vocabulary)")
        }
        Engine.parallelFor(n, minimumChunk: max(1, 16_384 / max(dim, 1))) { rr in
            for i in rr { (yp + i * dim).update(from: tp + Int(ip[i]) * dim, count: dim) }
        }
    }
    return table.graph.record(y, inputs: [table]) { g, dy in
        let dp = dy.readPointer
        g.accumulateGrad(table) { dt, beta in
            if beta == 0 { dt.initialize(repeating: 0, count: vocabulary * dim) }
            indices.withUnsafeBufferPointer { ip in
                for i in 0..<n {
                    let dst = dt + Int(ip[i]) * dim, src = dp + i * dim
                    for j in 0..<dim { dst[j] += src[j] }
                }
            }
        }
    }
}

/// Mean of a variable-size set of table rows per output row (PyTorch `EmbeddingBag(mode="mean")`).
///
/// Bag `i` holds `indices[offsets[i]..<offsets[i+1]]`; `offsets` has `bags + 1` non-decreasing entries starting
/// at 0 and ending at `indices.count`. An empty bag gives a zero row.
public func embeddingBagMean(_ table: Var, offsets: [Int32], indices: [Int32]) -> Var {
    let tv = table.value
    precondition(tv.shape.count == 2, "embedding bag table must be [vocabulary, dim], got \(tv.shape)")
    precondition(
        !offsets.isEmpty && offsets.first == 0 && Int(offsets.last!) == indices.count,
        "embeddingBagMean: offsets must start at 0 and end at indices.count (\(indices.count))")
    let vocabulary = tv.shape[0], dim = tv.shape[1], bags = offsets.count - 1
    for b in 0..<bags {
        precondition(offsets[b] <= offsets[b + 1], "embeddingBagMean: offsets decrease at bag \(b)")
    }
    for (i, k) in indices.enumerated() {
        precondition(
            k >= 0 && Int(k) < vocabulary, "embedding bag index \(k) at position \(i) outside 0..<\(vocabulary)")
    }
    var y = Tensor(shape: [bags, dim], repeating: 0)
    let yp = y.mutablePointer(), tp = tv.readPointer
    for b in 0..<bags {
        let lo = Int(offsets[b]), hi = Int(offsets[b + 1])
        guard hi > lo else { continue }
        let dst = yp + b * dim
        for k in lo..<hi { let src = tp + Int(indices[k]) * dim; for j in 0..<dim { dst[j] += src[j] } }
        let inv = 1 / Float(hi - lo)
        for j in 0..<dim { dst[j] *= inv }
    }
    return table.graph.record(y, inputs: [table]) { g, dy in
        let dp = dy.readPointer
        g.accumulateGrad(table) { dt, beta in
            if beta == 0 { dt.initialize(repeating: 0, count: vocabulary * dim) }
            for b in 0..<bags {
                let lo = Int(offsets[b]), hi = Int(offsets[b + 1])
                guard hi > lo else { continue }
                let inv = 1 / Float(hi - lo), src = dp + b * dim
                for k in lo..<hi { let dst = dt + Int(indices[k]) * dim; for j in 0..<dim { dst[j] += src[j] * inv } }
            }
        }
    }
}
