import Foundation
import PerturbChem
import PerturbData

/// Predictions that need no model, so that every number of an evaluation can be read against them: the per-context
/// training mean, zeros, and the average of the `k` training compounds most similar by Tanimoto on Morgan bits in the
/// same context (the structure-only nearest-neighbour predictor).
public enum TrivialBaseline: String, CaseIterable, Sendable {
    /// Per gene, the mean of the training rows of the row's context (cell type).
    case contextMean = "baseline_mean"
    /// Zero everywhere (no effect).
    case zeros = "baseline_zero"
    /// The mean of the rows of the `k` nearest training compounds (Tanimoto on Morgan bits) in the row's context; the
    /// context mean when the compound has no structure or no neighbour was measured there.
    case tanimotoNeighbours = "baseline_knn"

    /// Predictions (`rows × genes`, row-major) for `rows` of `task` from `trainRows`.
    public func predict(
        task: OP3Task, trainRows: [Int], rows: [Int], neighbours k: Int = 20,
        morgan: MorganOptions = MorganOptions()
    ) -> [Float] {
        let g = task.genes.count
        switch self {
        case .zeros:
            return [Float](repeating: 0, count: rows.count * g)
        case .contextMean:
            let means = Self.contextMeans(task: task, trainRows: trainRows)
            return rows.flatMap { means[Int(task.rowCellType[$0])] }
        case .tanimotoNeighbours:
            let means = Self.contextMeans(task: task, trainRows: trainRows)
            let smiles = task.compounds.map { task.table.compounds[$0]?.canonicalSmiles ?? "" }
            let fingerprints = Morgan.batch(smiles: smiles.map { $0.isEmpty ? "*" : $0 }, options: morgan).fingerprints
                .enumerated().map { smiles[$0.offset].isEmpty ? nil : $0.element }
            // Training rows by (context, compound).
            var trainingRow: [Int: [Int: Int]] = [:]
            for r in trainRows { trainingRow[Int(task.rowCellType[r]), default: [:]][Int(task.rowCompound[r])] = r }
            return rows.flatMap { r -> [Float] in
                let context = Int(task.rowCellType[r]), compound = Int(task.rowCompound[r])
                guard let query = fingerprints[compound], let candidates = trainingRow[context] else {
                    return means[context]
                }
                let ranked = candidates.keys.compactMap { c -> (compound: Int, similarity: Double)? in
                    guard c != compound, let fp = fingerprints[c] else { return nil }
                    return (c, Morgan.tanimoto(query, fp))
                }.sorted { ($0.similarity, -$0.compound) > ($1.similarity, -$1.compound) }.prefix(k)
                guard !ranked.isEmpty else { return means[context] }
                var sum = [Double](repeating: 0, count: g)
                for neighbour in ranked {
                    let row = candidates[neighbour.compound]!
                    for j in 0..<g { sum[j] += Double(task.targets[row * g + j]) }
                }
                return sum.map { Float($0 / Double(ranked.count)) }
            }
        }
    }

    /// Per context, the gene-wise mean of the finite training targets (0 for a context without training rows).
    static func contextMeans(task: OP3Task, trainRows: [Int]) -> [[Float]] {
        let g = task.genes.count
        var sums = [[Double]](repeating: [Double](repeating: 0, count: g), count: task.cellTypes.count)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: g), count: task.cellTypes.count)
        for r in trainRows {
            let c = Int(task.rowCellType[r])
            for j in 0..<g where task.targets[r * g + j].isFinite {
                sums[c][j] += Double(task.targets[r * g + j]); counts[c][j] += 1
            }
        }
        return zip(sums, counts).map { s, n in zip(s, n).map { $1 > 0 ? Float($0 / Double($1)) : 0 } }
    }
}

extension TrivialBaseline {
    /// Predictions (`rows × genes`) for rows of an effects table from `trainRows` of the same table (the molecule
    /// holdout: a target's own training conditions): the per-gene mean of the measured training values of the row's
    /// context (else of all training rows, else 0), zeros, or the mean over the training conditions, in the row's
    /// context, of the `k` compounds most similar to the row's first compound by Tanimoto on Morgan bits.
    public func predict(
        table: EffectsTable, trainRows: [Int], rows: [Int], neighbours k: Int = 20,
        morgan: MorganOptions = MorganOptions()
    ) -> [Float] {
        let g = table.geneCount
        if self == .zeros { return [Float](repeating: 0, count: rows.count * g) }
        func mean(_ members: [Int]) -> [Float]? {
            guard !members.isEmpty else { return nil }
            var sum = [Double](repeating: 0, count: g), count = [Int](repeating: 0, count: g)
            for r in members {
                let values = table.row(r), measured = table.measuredRow(r)
                for (j, (v, m)) in zip(values, measured).enumerated() where m && v.isFinite {
                    sum[j] += Double(v); count[j] += 1
                }
            }
            return (0..<g).map { count[$0] > 0 ? Float(sum[$0] / Double(count[$0])) : 0 }
        }
        var byContext: [String: [Int]] = [:]
        for r in trainRows { byContext[table.conditions[r].context, default: []].append(r) }
        let overall = mean(trainRows) ?? [Float](repeating: 0, count: g)
        var contextMean: [String: [Float]] = [:]
        for (context, members) in byContext { contextMean[context] = mean(members) }
        guard self == .tanimotoNeighbours else {
            return rows.flatMap { contextMean[table.conditions[$0].context] ?? overall }
        }

        var fingerprint: [String: Fingerprint] = [:]
        let keys = Set((trainRows + rows).compactMap { table.conditions[$0].compounds.first })
            .filter { !(table.compounds[$0]?.canonicalSmiles ?? "").isEmpty }.sorted()
        let batch = Morgan.batch(smiles: keys.map { table.compounds[$0]!.canonicalSmiles }, options: morgan)
            .fingerprints
        for (key, fp) in zip(keys, batch) { if let fp { fingerprint[key] = fp } }
        // Per context, the training rows of each compound with a structure.
        var rowsOf: [String: [String: [Int]]] = [:]
        for (context, members) in byContext {
            for m in members {
                if let c = table.conditions[m].compounds.first, fingerprint[c] != nil {
                    rowsOf[context, default: [:]][c, default: []].append(m)
                }
            }
        }
        var cache: [String: [Float]] = [:]
        return rows.flatMap { r -> [Float] in
            let context = table.conditions[r].context, fallback = contextMean[context] ?? overall
            guard let key = table.conditions[r].compounds.first, let query = fingerprint[key],
                let candidates = rowsOf[context]
            else { return fallback }
            if let known = cache[context + "\u{1}" + key] { return known }
            let nearest = candidates.keys.filter { $0 != key }.map { ($0, Morgan.tanimoto(query, fingerprint[$0]!)) }
                .sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(k).map(\.0)
            let prediction = mean(nearest.flatMap { candidates[$0]! }) ?? fallback
            cache[context + "\u{1}" + key] = prediction
            return prediction
        }
    }
}
