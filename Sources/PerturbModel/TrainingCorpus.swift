import Foundation
import PerturbBase
import PerturbData

/// The conditions a run trains and validates on, across sources, encoded under fixed vocabularies and read in
/// shards of at most `shardConditions` rows (so only one shard of an effects file is in memory at a time).
final class TrainingCorpus {
    struct SourcePlan {
        let source: EffectsSource
        /// Source gene → global gene code (−1 when outside the vocabulary).
        let geneMap: [Int32]
        /// Codes per condition (nil for rows used neither for training nor validation).
        let encoded: [EncodedCondition?]
        let train: [Int]
        let validation: [Int]
    }

    /// One unit of reading: rows (sorted) of one source.
    struct Shard {
        let source: Int
        let rows: ArraySlice<Int>
    }

    let plans: [SourcePlan]
    let sets: CompoundSetTable
    let geneCount: Int
    let shardConditions: Int

    init(sources: [EffectsSource], train: [[Int]], validation: [[Int]], vocabularies: Vocabularies, shardConditions: Int) throws {
        precondition(sources.count == train.count && sources.count == validation.count, "one row list per source")
        let index = vocabularies.index()
        sets = CompoundSetTable()
        let encoder = ConditionEncoder(index: index, sets: sets)
        var plans: [SourcePlan] = []
        for (s, source) in sources.enumerated() {
            let conditions = source.conditions
            var encoded = [EncodedCondition?](repeating: nil, count: conditions.count)
            for row in train[s] + validation[s] {
                guard row >= 0 && row < conditions.count else {
                    throw InputError("\(source.name): row \(row) is outside the \(conditions.count) conditions")
                }
                encoded[row] = try encoder.encode(conditions[row], row: row, source: source.name)
            }
            plans.append(SourcePlan(source: source, geneMap: index.geneMap(source.genes), encoded: encoded,
                                    train: train[s].sorted(), validation: validation[s].sorted()))
        }
        self.plans = plans
        geneCount = vocabularies.genes.count
        self.shardConditions = shardConditions
    }

    var trainConditionCount: Int { plans.reduce(0) { $0 + $1.train.count } }
    var validationConditionCount: Int { plans.reduce(0) { $0 + $1.validation.count } }

    /// Shards of the training (or validation) rows, in source order.
    func shards(validation: Bool) -> [Shard] {
        var out: [Shard] = []
        for (s, plan) in plans.enumerated() {
            let rows = validation ? plan.validation : plan.train
            for lo in stride(from: 0, to: rows.count, by: shardConditions) {
                out.append(Shard(source: s, rows: rows[lo..<min(rows.count, lo + shardConditions)]))
            }
        }
        return out
    }

    /// Reads a shard: calls `body` for each of its conditions with the codes and the measured (global gene, value)
    /// pairs, in row order.
    func read(_ shard: Shard, _ body: (_ row: Int, EncodedCondition, _ genes: [Int32], _ values: [Float]) throws -> Void) throws {
        guard let first = shard.rows.first, let last = shard.rows.last else { return }
        let plan = plans[shard.source]
        let (logFC, measured) = try plan.source.read(rows: first..<(last + 1))
        let g = plan.geneMap.count
        var genes: [Int32] = [], values: [Float] = []
        for row in shard.rows {
            genes.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            let base = (row - first) * g
            for c in 0..<g where measured[base + c] && plan.geneMap[c] >= 0 {
                genes.append(plan.geneMap[c])
                values.append(logFC[base + c])
            }
            try body(row, plan.encoded[row]!, genes, values)
        }
    }

    /// Scalar records of a shard.
    func scalarRecords(_ shard: Shard) throws -> [ScalarRecord] {
        var out: [ScalarRecord] = []
        try read(shard) { _, c, genes, values in
            for k in genes.indices {
                out.append(ScalarRecord(dataset: c.dataset, context: c.context, compoundSet: c.compoundSet, gene: genes[k],
                                        logDose: c.logDose, time: c.time, value: values[k]))
            }
        }
        return out
    }

    /// Multi-output records of a shard (conditions with no measured gene are skipped).
    func conditionRecords(_ shard: Shard) throws -> [ConditionRecord] {
        var out: [ConditionRecord] = []
        try read(shard) { _, c, genes, values in
            guard !genes.isEmpty else { return }
            out.append(ConditionRecord(dataset: c.dataset, context: c.context, compoundSet: c.compoundSet,
                                       logDose: c.logDose, time: c.time, genes: genes, values: values))
        }
        return out
    }

    /// Datasets in which each compound code occurs in the training rows.
    func compoundTrainingDatasets(_ vocabularies: Vocabularies) -> [[String]] {
        var seen = [Set<String>](repeating: [], count: vocabularies.compounds.count)
        for plan in plans {
            for row in plan.train {
                guard let c = plan.encoded[row] else { continue }
                for code in sets.members[Int(c.compoundSet)] where code != 0 {
                    seen[Int(code)].insert(vocabularies.datasets[Int(c.dataset)])
                }
            }
        }
        return seen.map { $0.sorted() }
    }
}
