import Foundation
import PerturbBase
import PerturbData
import PerturbTensor

/// A gene panel of the corpus: a set of genes measured together by rows of one source.
struct CorpusPanel {
    /// The source the panel belongs to.
    let source: Int
    /// Source columns measured (ascending), parallel to `genes`.
    let columns: [Int32]
    /// Global gene codes of those columns.
    let genes: [Int32]
}

/// The conditions a run trains and validates on, across sources, encoded under fixed vocabularies and read in
/// blocks (shards) of rows, so only a block of an effects file is in memory at a time. Every row belongs to one
/// gene panel (the genes it measures inside the vocabulary); rows are held dense over their panel.
final class TrainingCorpus {
    struct SourcePlan {
        let source: any ConditionSource
        /// Source gene → global gene code (−1 when outside the vocabulary).
        let geneMap: [Int32]
        /// Codes per condition (nil for rows used neither for training nor validation).
        let encoded: [EncodedCondition?]
        /// Corpus panel of each row (−1 when unused or measuring no vocabulary gene).
        let rowPanel: [Int32]
        let train: [Int]
        let validation: [Int]
        /// File rows a shard spans at most (its block is read whole): `shardConditions`, fewer for wide files so
        /// a block stays near `blockBytes`. A shard of sparse rows (validation is ~10 % of a file) holds fewer.
        let shardRows: Int
    }

    /// One unit of reading: rows (sorted) of one source.
    struct Shard {
        let source: Int
        let rows: ArraySlice<Int>
    }

    /// Bytes of logFC read per block at most (a wide file reads fewer rows at a time).
    static let blockBytes = 64 << 20

    let plans: [SourcePlan]
    let panels: [CorpusPanel]
    let sets: CompoundSetTable
    let geneCount: Int
    /// Reused between blocks: the logFC of the block being read.
    private var readBuffer: [Float] = []

    init(
        sources: [any ConditionSource], train: [[Int]], validation: [[Int]], vocabularies: Vocabularies,
        shardConditions: Int
    ) throws {
        precondition(sources.count == train.count && sources.count == validation.count, "one row list per source")
        let index = vocabularies.index()
        sets = CompoundSetTable()
        let encoder = ConditionEncoder(index: index, sets: sets)
        var plans: [SourcePlan] = []
        var panels: [CorpusPanel] = []
        for (s, source) in sources.enumerated() {
            let conditions = source.conditions
            var encoded = [EncodedCondition?](repeating: nil, count: conditions.count)
            let used = (train[s] + validation[s]).sorted()
            for row in used {
                guard row >= 0 && row < conditions.count else {
                    throw InputError("\(source.sourceName): row \(row) is outside the \(conditions.count) conditions")
                }
                encoded[row] = try encoder.encode(conditions[row], row: row, source: source.sourceName)
            }
            let geneMap = index.geneMap(source.genes)
            let rowPanel = try Self.assignPanels(
                source: source, sourceIndex: s, rows: used, geneMap: geneMap, panels: &panels)
            let width = max(1, source.genes.count)
            plans.append(
                SourcePlan(
                    source: source, geneMap: geneMap, encoded: encoded, rowPanel: rowPanel,
                    train: train[s].filter { rowPanel[$0] >= 0 }.sorted(),
                    validation: validation[s].filter { rowPanel[$0] >= 0 }.sorted(),
                    shardRows: max(1, min(shardConditions, Self.blockBytes / (4 * width)))))
        }
        self.plans = plans
        self.panels = panels
        geneCount = vocabularies.genes.count
    }

    /// Interns the gene panel of every used row: from the file's panel table when it has one, else from its
    /// measured mask (read once, block by block).
    private static func assignPanels(
        source: any ConditionSource, sourceIndex: Int, rows: [Int], geneMap: [Int32],
        panels: inout [CorpusPanel]
    ) throws -> [Int32] {
        var rowPanel = [Int32](repeating: -1, count: source.conditions.count)
        var lookup: [[Int32]: Int32] = [:]
        func intern(_ columns: [Int32]) -> Int32 {
            if columns.isEmpty { return -1 }
            if let id = lookup[columns] { return id }
            let id = Int32(panels.count)
            panels.append(CorpusPanel(source: sourceIndex, columns: columns, genes: columns.map { geneMap[Int($0)] }))
            lookup[columns] = id
            return id
        }
        if let filePanels = source.panels {
            let ids = filePanels.members.map { intern($0.filter { geneMap[Int($0)] >= 0 }) }
            for row in rows { rowPanel[row] = ids[Int(filePanels.rowPanel[row])] }
            return rowPanel
        }
        let g = source.genes.count
        let block = max(1, blockBytes / max(1, 4 * g))
        var lo = 0
        while lo < rows.count {
            let hi = min(rows.count, lo + block)
            let first = rows[lo], last = rows[hi - 1]
            let mask = try source.measured(rows: first..<(last + 1))
            var columns: [Int32] = []
            for row in rows[lo..<hi] {
                columns.removeAll(keepingCapacity: true)
                let base = (row - first) * g
                for c in 0..<g where mask[base + c] && geneMap[c] >= 0 { columns.append(Int32(c)) }
                rowPanel[row] = intern(columns)
            }
            lo = hi
        }
        return rowPanel
    }

    var trainConditionCount: Int { plans.reduce(0) { $0 + $1.train.count } }
    var validationConditionCount: Int { plans.reduce(0) { $0 + $1.validation.count } }

    /// Measured values of the training rows (scalar rows per epoch in scalar mode).
    var trainValueCount: Int {
        plans.reduce(0) { total, plan in
            total + plan.train.reduce(0) { $0 + panels[Int(plan.rowPanel[$1])].genes.count }
        }
    }

    /// Bytes of the largest training row in the shuffle buffer.
    var largestRowBytes: Int {
        TrainingRow.bufferBytes(values: panels.map(\.genes.count).max() ?? 0)
    }

    /// Shards of the training (or validation) rows, in source order; each spans at most `shardRows` file rows,
    /// so its block (and the retained read buffer) stays bounded however sparse the selected rows are.
    func shards(validation: Bool) -> [Shard] {
        var out: [Shard] = []
        for (s, plan) in plans.enumerated() {
            let rows = validation ? plan.validation : plan.train
            var lo = 0
            while lo < rows.count {
                var hi = lo + 1
                while hi < rows.count && rows[hi] - rows[lo] < plan.shardRows { hi += 1 }
                out.append(Shard(source: s, rows: rows[lo..<hi]))
                lo = hi
            }
        }
        return out
    }

    /// Starts reading a shard's block ahead into the page cache (see `ConditionSource.willReadLogFC`).
    func willRead(_ shard: Shard) {
        guard let first = shard.rows.first, let last = shard.rows.last else { return }
        plans[shard.source].source.willReadLogFC(rows: first..<(last + 1))
    }

    /// Reads a shard's rows, each dense over its panel: the rows' tensors are allocated here (outside the tensor
    /// pool: they wait in the shuffle buffer for many steps; on the calling thread, so they come from its malloc
    /// arena) and filled on the engine's threads (a panel of consecutive columns is one copy). Throws naming the
    /// file, row and gene of the first non-finite value.
    func rows(_ shard: Shard) throws -> [TrainingRow] {
        guard let first = shard.rows.first, let last = shard.rows.last else { return [] }
        let plan = plans[shard.source]
        let g = plan.geneMap.count, rows = Array(shard.rows)
        var values = rows.map { row in
            Tensor(uninitializedShape: [panels[Int(plan.rowPanel[row])].columns.count], pooled: false)
        }
        let outputs = values.indices.map { values[$0].mutablePointer() }
        var finite = [Bool](repeating: true, count: rows.count)
        try plan.source.withLogFC(rows: first..<(last + 1), buffer: &readBuffer) { logFC in
            let average = max(1, panels[Int(plan.rowPanel[first])].columns.count)
            finite.withUnsafeMutableBufferPointer { finite in
                Engine.parallelFor(rows.count, minimumChunk: max(1, 131_072 / average)) { range in
                    for i in range {
                        let row = rows[i], columns = panels[Int(plan.rowPanel[row])].columns
                        let base = logFC.baseAddress! + (row - first) * g
                        finite[i] = Self.gather(base, columns, into: outputs[i])
                    }
                }
            }
        }
        if let i = finite.firstIndex(of: false), let k = values[i].scalars.firstIndex(where: { !$0.isFinite }) {
            let row = rows[i], column = panels[Int(plan.rowPanel[row])].columns[k]
            throw InputError(
                "\(plan.source.sourceName): row \(row) (\(plan.source.conditions[row].id)): logFC of gene '\(plan.source.genes[Int(column)])' is \(values[i].scalars[k]); effects must be finite"
            )
        }
        return rows.indices.map {
            TrainingRow(condition: plan.encoded[rows[$0]]!, panel: plan.rowPanel[rows[$0]], values: values[$0])
        }
    }

    /// Copies `columns` (ascending) of a row starting at `base` into `out` (`columns.count` values); returns
    /// whether all are finite.
    private static func gather(
        _ base: UnsafePointer<Float>, _ columns: [Int32], into out: UnsafeMutablePointer<Float>
    ) -> Bool {
        let n = columns.count
        guard let c0 = columns.first else { return true }
        if Int(columns[n - 1]) - Int(c0) == n - 1 {
            out.update(from: base + Int(c0), count: n)
        } else {
            for k in 0..<n { out[k] = base[Int(columns[k])] }
        }
        typealias Lanes = SIMD8<Float>
        var k = 0, lanes = Lanes()
        while k + Lanes.scalarCount <= n {
            // v − v is 0 for a finite value and NaN for ±inf and NaN.
            let v = UnsafeRawPointer(out + k).loadUnaligned(as: Lanes.self)
            lanes += v - v
            k += Lanes.scalarCount
        }
        var finite = lanes.sum() == 0
        while k < n {
            finite = finite && out[k].isFinite
            k += 1
        }
        return finite
    }

    /// Scalar records of a shard (scalar mode).
    func scalarRecords(_ shard: Shard) throws -> [ScalarRecord] {
        var out: [ScalarRecord] = []
        for row in try rows(shard) {
            let genes = panels[Int(row.panel)].genes
            withExtendedLifetime(row.values) {
                let values = row.values.readPointer
                for k in genes.indices {
                    out.append(ScalarRecord(condition: row.condition, gene: genes[k], value: values[k]))
                }
            }
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
