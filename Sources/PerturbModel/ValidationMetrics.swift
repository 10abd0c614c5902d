import Foundation
import PerturbBase
import PerturbDistributed
import PerturbNN
import PerturbTensor

/// Pooled error and correlation over scalars (float64 accumulators): RMSE = sqrt(Σe² / n), Pearson r.
struct PooledAccumulator {
    var n = 0
    var sse = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0

    mutating func add(prediction p: Float, target y: Float) {
        let x = Double(p), t = Double(y), e = x - t
        n += 1; sse += e * e; sx += x; sy += t; sxx += x * x; syy += t * t; sxy += x * t
    }

    /// The seven sums (n, Σe², Σx, Σy, Σx², Σy², Σxy): what ranks add to pool their validation.
    var sums: [Double] { [Double(n), sse, sx, sy, sxx, syy, sxy] }

    init() {}

    /// The accumulator of `sums` (as `sums` lays them out).
    init(sums: ArraySlice<Double>) {
        let s = Array(sums)
        (n, sse, sx, sy, sxx, syy, sxy) = (Int(s[0]), s[1], s[2], s[3], s[4], s[5], s[6])
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
    /// Evaluates `model` (no dropout) on the validation rows, streamed shard by shard in batches of `batchSize`
    /// conditions (scalar mode: `batchSize` scalars) read and built on a background thread one batch ahead, reducing
    /// into pooled accumulators as it goes. A batch larger than `microBatchSize` (0 = no limit) is put in micro-batch
    /// order (`OutputLayout.microBatchOrder`: scalars grouped by gene) and scored in pieces of that size, so
    /// validation needs no more activation memory than a training micro-batch and projects each gene about once
    /// per batch; the metrics do not depend on the cut. Across ranks the batches are dealt round-robin (batch k to
    /// rank k mod size) and the accumulators' sums are added by one allreduce, so every rank returns the metrics of
    /// all validation rows.
    func validate(
        _ model: LPMModel, batchSize: Int, microBatchSize: Int = 0, communicator: Communicator
    ) throws
        -> ValidationMetrics
    {
        var pooled = PooledAccumulator()
        let datasetCount = model.vocabularies.datasets.count
        var perDataset = [PooledAccumulator](repeating: PooledAccumulator(), count: datasetCount)
        let graph = Graph(training: false)
        let (rank, ranks) = (communicator.rank, communicator.size)
        /// The batch thread: every validation shard's records of the layout, in batches of `batchSize` (emitted as
        /// their micro-batches), each built only on the rank that scores it (batch k on rank k mod size).
        func stream<Layout: OutputLayout>(_: Layout.Type, emit: (Batch) -> Bool) throws {
            var builder = BatchBuilder(sets: sets, panels: panels, geneCount: geneCount)
            let validationShards = shards(validation: true)
            var batchIndex = 0
            for (i, shard) in validationShards.enumerated() {
                if i + 1 < validationShards.count { willRead(validationShards[i + 1]) }
                let records = try Layout.records(self, shard)
                for lo in stride(from: 0, to: records.count, by: batchSize) {
                    defer { batchIndex += 1 }
                    guard batchIndex % ranks == rank else { continue }
                    let chunk = Array(records[lo..<min(records.count, lo + batchSize)])
                    let micro = microBatchSize > 0 ? microBatchSize : chunk.count
                    let ordered = chunk.count > micro ? Layout.microBatchOrder(chunk) : chunk
                    for start in stride(from: 0, to: ordered.count, by: micro) {
                        let piece = Array(ordered[start..<min(ordered.count, start + micro)])
                        guard emit(Layout.batch(piece, builder: &builder)) else { return }
                    }
                }
            }
        }
        let layout = model.config.outputMode.layout
        let batches = BackgroundProducer<Batch, Void>(depth: 1, label: "perturbridge validation batches") { emit in
            try stream(layout, emit: emit)
        }
        defer { _ = try? batches.finish() }
        while let batch = try batches.next() {
            graph.reset()
            let predictions = model.predictions(batch, graph: graph)
            var i = 0
            batch.forEachMeasuredValue { dataset, target in
                pooled.add(prediction: predictions[i], target: target)
                perDataset[Int(dataset)].add(prediction: predictions[i], target: target)
                i += 1
            }
        }
        try batches.finish()
        graph.reset()
        if communicator.size > 1 {
            var sums = pooled.sums
            for acc in perDataset { sums += acc.sums }
            communicator.allreduceSum(&sums)
            let width = pooled.sums.count
            pooled = PooledAccumulator(sums: sums[0..<width])
            for code in 0..<datasetCount {
                perDataset[code] = PooledAccumulator(sums: sums[(code + 1) * width..<(code + 2) * width])
            }
        }
        var named: [String: Double] = [:]
        for (code, acc) in perDataset.enumerated() {
            if let r = acc.rmse { named[model.vocabularies.datasets[code]] = r }
        }
        return ValidationMetrics(rmse: pooled.rmse, pearson: pooled.pearson, count: pooled.n, perDatasetRMSE: named)
    }
}
