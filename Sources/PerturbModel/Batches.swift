import PerturbBase
import PerturbNN

/// One training row: a condition with the values of the genes it measures, dense over its gene panel
/// (`TrainingCorpus.panels[panel].genes`, 4 bytes a value).
struct TrainingRow {
    var condition: EncodedCondition
    var panel: Int32
    var values: [Float]
}

/// One scalar training row (scalar mode): a measured (condition, gene) value.
struct ScalarRecord {
    var condition: EncodedCondition
    var gene: Int32
    var value: Float
}

/// What a record costs in the shuffle buffer, and the partition it belongs to under `by_dataset` batching.
protocol BufferedRecord {
    var bufferBytes: Int { get }
    var dataset: Int32 { get }
}

extension TrainingRow: BufferedRecord {
    /// Buffer bytes of a row with `values` measured genes (values, the record, array header).
    static func bufferBytes(values: Int) -> Int { values * MemoryLayout<Float>.stride + MemoryLayout<TrainingRow>.stride + 32 }
    var bufferBytes: Int { TrainingRow.bufferBytes(values: values.count) }
    var dataset: Int32 { condition.dataset }
}

extension ScalarRecord: BufferedRecord {
    var bufferBytes: Int { MemoryLayout<ScalarRecord>.stride }
    var dataset: Int32 { condition.dataset }
}

/// How batches are drawn from the shuffle buffer.
public enum Batching: String, Codable, CaseIterable, Sendable {
    /// Batches drawn uniformly from everything buffered: datasets mix in proportion, as the reference's
    /// shuffled corpus (the default).
    case mixed
    /// Each batch from one dataset (the one holding most of the buffer): fewer gene panels per batch, so the
    /// multi-output step runs fewer, larger GEMMs — faster, at the price of batches that are not i.i.d.
    case byDataset = "by_dataset"
}

/// A shuffle buffer bounded in bytes. Records arrive block by block; while the buffered bytes exceed
/// `capacityBytes`, a batch of `batchSize` records is drawn at random (each pick swaps with the last and pops)
/// and emitted; `finish` drains the rest in random batches (the last may be short). With `.byDataset` the
/// buffer keeps one partition per dataset and each batch comes from the largest one.
struct ShuffleBuffer<Record: BufferedRecord> {
    let capacityBytes: Int
    let batchSize: Int
    let batching: Batching
    private var partitions: [Int32: [Record]] = [:]
    private(set) var bytes = 0
    /// The largest number of bytes held at once.
    private(set) var peakBytes = 0

    init(capacityBytes: Int, batchSize: Int, batching: Batching) {
        self.capacityBytes = capacityBytes
        self.batchSize = batchSize
        self.batching = batching
    }

    private func key(_ record: Record) -> Int32 { batching == .mixed ? 0 : record.dataset }

    mutating func add(_ records: [Record], rng: inout SeededRNG, emit: ([Record]) throws -> Void) rethrows {
        for record in records {
            let k = key(record)
            partitions[k, default: []].append(record)
            bytes += record.bufferBytes
            peakBytes = max(peakBytes, bytes)
            while bytes > capacityBytes { try emit(draw(from: fullest(), rng: &rng)) }
        }
    }

    mutating func finish(rng: inout SeededRNG, emit: ([Record]) throws -> Void) rethrows {
        for k in partitions.keys.sorted() {
            while !(partitions[k]?.isEmpty ?? true) { try emit(draw(from: k, rng: &rng)) }
        }
    }

    /// The partition with the most records (lowest key on ties), so the draw order is deterministic.
    private func fullest() -> Int32 {
        partitions.max { a, b in a.value.count < b.value.count || (a.value.count == b.value.count && a.key > b.key) }!.key
    }

    private mutating func draw(from k: Int32, rng: inout SeededRNG) -> [Record] {
        var items = partitions[k]!
        partitions[k] = nil
        let n = min(batchSize, items.count)
        var batch: [Record] = []
        batch.reserveCapacity(n)
        for _ in 0..<n {
            let i = rng.nextInt(below: items.count)
            items.swapAt(i, items.count - 1)
            let record = items.removeLast()
            bytes -= record.bufferBytes
            batch.append(record)
        }
        partitions[k] = items
        return batch
    }
}

/// A batch ready for the model: inputs plus what the loss compares them with.
struct Batch {
    enum Objective {
        /// Scalar mode: `[rows, 1]` targets.
        case scalars(Tensor)
        /// Multi-output mode: rows grouped by gene panel (contiguous in `inputs`).
        case panels([PanelGroup])
    }

    var inputs: LPMInputs
    var objective: Objective
    /// Measured values in the batch (the loss's denominator).
    var measured: Int

    /// Per measured value, in the order of `LPMModel.predictions`: the row's dataset and the target (validation).
    func measuredValues() -> (datasets: [Int32], targets: [Float]) {
        switch objective {
        case .scalars(let target):
            return (inputs.dataset, target.scalars)
        case .panels(let groups):
            var datasets: [Int32] = [], targets: [Float] = []
            for group in groups {
                let u = group.units.count
                for (r, row) in group.rows.enumerated() {
                    for k in 0..<u where group.mask.map({ $0[r * u + k] != 0 }) ?? true {
                        datasets.append(inputs.dataset[row])
                        targets.append(group.target[r * u + k])
                    }
                }
            }
            return (datasets, targets)
        }
    }
}

/// Builds batches for both output modes: deduplicates compound sets within the batch, and in multi-output mode
/// orders rows by gene panel so each panel is one contiguous GEMM. Panels with fewer than `minimumGroupRows`
/// rows are merged per source into one group over the union of their genes (masked), since tiny GEMMs cost
/// more in memory traffic than the extra columns do.
struct BatchBuilder {
    let sets: CompoundSetTable
    let panels: [CorpusPanel]
    let minimumGroupRows: Int
    private var slot: [Int32] = []
    private var column: [Int32] = []

    init(sets: CompoundSetTable, panels: [CorpusPanel], geneCount: Int, minimumGroupRows: Int = 32) {
        self.sets = sets
        self.panels = panels
        self.minimumGroupRows = minimumGroupRows
        column = [Int32](repeating: -1, count: geneCount)
    }

    /// Maps each row's global compound set to a batch-local set; returns row → local index and the local sets.
    mutating func localSets(_ globalIds: [Int32]) -> ([Int32], CompoundSets) {
        if slot.count < sets.count { slot += [Int32](repeating: -1, count: sets.count - slot.count) }
        var local: [Int32] = []
        local.reserveCapacity(globalIds.count)
        var used: [Int32] = []
        var offsets: [Int32] = [0], indices: [Int32] = []
        for id in globalIds {
            if slot[Int(id)] < 0 {
                slot[Int(id)] = Int32(used.count)
                used.append(id)
                indices.append(contentsOf: sets.members[Int(id)])
                offsets.append(Int32(indices.count))
            }
            local.append(slot[Int(id)])
        }
        for id in used { slot[Int(id)] = -1 }
        return (local, CompoundSets(offsets: offsets, indices: indices))
    }

    /// Model inputs for conditions in this order (`gene` codes in scalar mode).
    mutating func inputs(_ conditions: [EncodedCondition], gene: [Int32]?) -> LPMInputs {
        let (local, compoundSets) = localSets(conditions.map(\.compoundSet))
        return LPMInputs(dataset: conditions.map(\.dataset), context: conditions.map(\.context), compoundSet: local,
                         compoundSets: compoundSets, gene: gene, logDose: conditions.map(\.logDose), time: conditions.map(\.time))
    }

    mutating func batch(_ records: [ScalarRecord]) -> Batch {
        Batch(inputs: inputs(records.map(\.condition), gene: records.map(\.gene)),
              objective: .scalars(Tensor(shape: [records.count, 1], values: records.map(\.value))), measured: records.count)
    }

    mutating func batch(_ rows: [TrainingRow]) -> Batch {
        var byPanel: [Int32: [Int]] = [:]
        for (i, row) in rows.enumerated() { byPanel[row.panel, default: []].append(i) }
        var exact: [(panel: Int32, rows: [Int])] = []
        var small: [Int: [Int32]] = [:]
        for (panel, members) in byPanel {
            if members.count >= minimumGroupRows || byPanel.count == 1 {
                exact.append((panel, members))
            } else {
                small[panels[Int(panel)].source, default: []].append(panel)
            }
        }
        exact.sort { $0.panel < $1.panel }
        var order: [Int] = []
        order.reserveCapacity(rows.count)
        var groups: [PanelGroup] = []
        var measured = 0
        for (panel, members) in exact {
            let start = order.count
            var target: [Float] = []
            target.reserveCapacity(members.count * panels[Int(panel)].genes.count)
            for i in members {
                order.append(i)
                target.append(contentsOf: rows[i].values)
            }
            measured += target.count
            groups.append(PanelGroup(rows: start..<order.count, units: panels[Int(panel)].genes, target: target))
        }
        for source in small.keys.sorted() {
            let merged = small[source]!.sorted()
            let units = Array(Set(merged.flatMap { panels[Int($0)].genes })).sorted()
            for (c, gene) in units.enumerated() { column[Int(gene)] = Int32(c) }
            let start = order.count
            let members = merged.flatMap { byPanel[$0]! }
            var target = [Float](repeating: 0, count: members.count * units.count)
            var mask = [Float](repeating: 0, count: members.count * units.count)
            for (r, i) in members.enumerated() {
                order.append(i)
                let genes = panels[Int(rows[i].panel)].genes
                for (k, gene) in genes.enumerated() {
                    let at = r * units.count + Int(column[Int(gene)])
                    target[at] = rows[i].values[k]
                    mask[at] = 1
                }
            }
            for gene in units { column[Int(gene)] = -1 }
            measured += members.reduce(0) { $0 + rows[$1].values.count }
            groups.append(PanelGroup(rows: start..<order.count, units: units, target: target, mask: mask))
        }
        return Batch(inputs: inputs(order.map { rows[$0].condition }, gene: nil), objective: .panels(groups), measured: measured)
    }
}
