import Foundation
import PerturbBase
import PerturbNN

/// Pooled error and correlation over scalars (float64 accumulators): RMSE = sqrt(Σe² / n), Pearson r.
struct PooledAccumulator {
    var n = 0
    var sse = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0

    mutating func add(prediction p: Float, target y: Float) {
        let x = Double(p), t = Double(y), e = x - t
        n += 1; sse += e * e; sx += x; sy += t; sxx += x * x; syy += t * t; sxy += x * t
    }

    var rmse: Double? { n > 0 ? (sse / Double(n)).squareRoot() : nil }

    var pearson: Double? {
        guard n > 1 else { return nil }
        let nn = Double(n)
        let cov = sxy - sx * sy / nn, vx = sxx - sx * sx / nn, vy = syy - sy * sy / nn
        guard vx > 0, vy > 0 else { return nil }
        return cov / (vx * vy).squareRoot()
    }
}

/// Validation metrics of one epoch.
public struct ValidationMetrics: Codable, Equatable, Sendable {
    /// Pooled RMSE over every measured validation scalar (nil without validation rows).
    public var rmse: Double?
    public var pearson: Double?
    public var count: Int
    /// Pooled RMSE per dataset.
    public var perDatasetRMSE: [String: Double]
}

extension TrainingCorpus {
    /// Evaluates `model` (no dropout) on the validation rows, in batches of `batchSize` rows.
    func validate(_ model: LPMModel, batchSize: Int) throws -> ValidationMetrics {
        var pooled = PooledAccumulator()
        var perDataset: [Int32: PooledAccumulator] = [:]
        var builder = BatchBuilder(sets: sets, geneCount: geneCount)
        let graph = Graph(training: false)
        var rng = SeededRNG(seed: 0)
        func account(_ dataset: Int32, _ p: Float, _ y: Float) {
            pooled.add(prediction: p, target: y)
            perDataset[dataset, default: PooledAccumulator()].add(prediction: p, target: y)
        }
        switch model.config.outputMode {
        case .scalar:
            var pending: [ScalarRecord] = []
            func flush() {
                guard !pending.isEmpty else { return }
                let (inputs, target) = builder.scalar(pending)
                graph.reset()
                let pred = model.forward(inputs, graph: graph, rng: &rng).value
                let pp = pred.readPointer, tp = target.readPointer
                for (i, r) in pending.enumerated() { account(r.dataset, pp[i], tp[i]) }
                pending.removeAll(keepingCapacity: true)
            }
            for shard in shards(validation: true) {
                for r in try scalarRecords(shard) {
                    pending.append(r)
                    if pending.count == batchSize { flush() }
                }
            }
            flush()
        case .multiout:
            var pending: [ConditionRecord] = []
            func flush() {
                guard !pending.isEmpty else { return }
                let (local, compoundSets) = builder.localSets(pending.map(\.compoundSet))
                let inputs = LPMInputs(dataset: pending.map(\.dataset), context: pending.map(\.context), compoundSet: local,
                                       compoundSets: compoundSets, gene: nil, logDose: pending.map(\.logDose), time: pending.map(\.time))
                graph.reset()
                let pred = model.forward(inputs, graph: graph, rng: &rng).value
                let pp = pred.readPointer, g = geneCount
                for (i, r) in pending.enumerated() {
                    for (k, gene) in r.genes.enumerated() { account(r.dataset, pp[i * g + Int(gene)], r.values[k]) }
                }
                pending.removeAll(keepingCapacity: true)
            }
            for shard in shards(validation: true) {
                for r in try conditionRecords(shard) {
                    pending.append(r)
                    if pending.count == batchSize { flush() }
                }
            }
            flush()
        }
        graph.reset()
        var named: [String: Double] = [:]
        for (code, acc) in perDataset { if let r = acc.rmse { named[model.vocabularies.datasets[Int(code)]] = r } }
        return ValidationMetrics(rmse: pooled.rmse, pearson: pooled.pearson, count: pooled.n, perDatasetRMSE: named)
    }
}
