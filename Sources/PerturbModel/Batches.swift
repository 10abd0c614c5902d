import PerturbBase
import PerturbNN
import PerturbTensor

/// One training row: a condition with the values of the genes it measures, dense over its gene panel
/// (`TrainingCorpus.panels[panel].genes`, 4 bytes a value). The values are a rank-1 tensor so that a batch's
/// `PanelGroup` holds the row's own buffer instead of a copy.
struct TrainingRow {
    var condition: EncodedCondition
    var panel: Int32
    var values: Tensor
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
    /// Values the loss scores in this record.
    var measuredCount: Int { get }
}

extension TrainingRow: BufferedRecord {
    /// Buffer bytes of a row with `values` measured genes (values, the record, the tensor's storage object and
    /// shape array).
    static func bufferBytes(values: Int) -> Int {
        values * MemoryLayout<Float>.stride + MemoryLayout<TrainingRow>.stride + 96
    }
    var bufferBytes: Int { TrainingRow.bufferBytes(values: values.count) }
    var dataset: Int32 { condition.dataset }
    var measuredCount: Int { values.count }
}

extension ScalarRecord: BufferedRecord {
    var bufferBytes: Int { MemoryLayout<ScalarRecord>.stride }
    var dataset: Int32 { condition.dataset }
    var measuredCount: Int { 1 }
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
///
/// The training loop reaches the buffer through an opened `OutputLayout` existential, so its methods run generic;
/// `@_specialize` gives each its record types' specialized bodies (the generic entry branches to them), so moving a
/// record is a plain copy rather than a value-witness call — the buffer handles every scalar of a scalar-mode epoch.
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

    @_specialize(where Record == ScalarRecord)
    @_specialize(where Record == TrainingRow)
    mutating func add(_ records: [Record], rng: inout SeededRNG, emit: ([Record]) throws -> Void) rethrows {
        for record in records {
            let k = key(record)
            partitions[k, default: []].append(record)
            bytes += record.bufferBytes
            peakBytes = max(peakBytes, bytes)
            while bytes > capacityBytes { try emit(draw(from: fullest(), rng: &rng)) }
        }
    }

    @_specialize(where Record == ScalarRecord)
    @_specialize(where Record == TrainingRow)
    mutating func finish(rng: inout SeededRNG, emit: ([Record]) throws -> Void) rethrows {
        for k in partitions.keys.sorted() {
            while !(partitions[k]?.isEmpty ?? true) { try emit(draw(from: k, rng: &rng)) }
        }
    }

    /// The partition with the most records (lowest key on ties), so the draw order is deterministic.
    private func fullest() -> Int32 {
        partitions.max { a, b in a.value.count < b.value.count || (a.value.count == b.value.count && a.key > b.key) }!
            .key
    }

    @_specialize(where Record == ScalarRecord)
    @_specialize(where Record == TrainingRow)
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

    /// Calls `body` with the row's dataset and the target of every measured value, in the order of
    /// `LPMModel.predictions`: validation reduces them as they come, with no arrays as long as the batch's values.
    func forEachMeasuredValue(_ body: (_ dataset: Int32, _ target: Float) -> Void) {
        switch objective {
        case .scalars(let target):
            let t = target.readPointer
            for (i, dataset) in inputs.dataset.enumerated() { body(dataset, t[i]) }
        case .panels(let groups):
            for group in groups {
                let u = group.units.count
                if group.layouts == nil {
                    for (r, row) in group.rows.enumerated() {
                        let dataset = inputs.dataset[row], base = group.rowValues[r].readPointer
                        for k in 0..<u { body(dataset, base[k]) }
                    }
                    continue
                }
                for (r, row) in group.rows.enumerated() {
                    let dataset = inputs.dataset[row]
                    for k in 0..<u {
                        guard let target = group.target(row: r, unit: k) else { continue }
                        body(dataset, target)
                    }
                }
            }
        }
    }
}

/// Builds batches for both output modes: deduplicates compound sets within the batch, and in multi-output mode
/// orders rows by gene panel so that each group of panels chosen by `PanelGroupPlanner` is one contiguous GEMM
/// (a single panel exactly, several over the masked union of their genes).
struct BatchBuilder {
    let sets: CompoundSetTable
    let panels: [CorpusPanel]
    private var planner: PanelGroupPlanner
    private var slot: [Int32] = []
    private var column: [Int32] = []

    init(sets: CompoundSetTable, panels: [CorpusPanel], geneCount: Int, groupCostRows: Int = 48) {
        self.sets = sets
        self.panels = panels
        planner = PanelGroupPlanner(geneCount: geneCount, groupCostRows: groupCostRows)
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
        return LPMInputs(
            dataset: conditions.map(\.dataset), context: conditions.map(\.context), compoundSet: local,
            compoundSets: compoundSets, gene: gene, logDose: conditions.map(\.logDose), time: conditions.map(\.time))
    }

    mutating func batch(_ records: [ScalarRecord]) -> Batch {
        Batch(
            inputs: inputs(records.map(\.condition), gene: records.map(\.gene)),
            objective: .scalars(Tensor(shape: [records.count, 1], values: records.map(\.value))),
            measured: records.count)
    }

    mutating func batch(_ rows: [TrainingRow]) -> Batch {
        var byPanel: [Int32: [Int]] = [:]
        for (i, row) in rows.enumerated() { byPanel[row.panel, default: []].append(i) }
        let plan = planner.plan(rowsPerPanel: byPanel.mapValues(\.count)) { panels[Int($0)].genes }
        var order: [Int] = []
        order.reserveCapacity(rows.count)
        var groups: [PanelGroup] = []
        for members in plan {
            let start = order.count
            for panel in members { order.append(contentsOf: byPanel[panel]!) }
            groups.append(
                members.count == 1
                    ? exactGroup(rows, order[start...], panel: members[0])
                    : mergedGroup(rows, order[start...], panels: members))
        }
        let measured = order.reduce(0) { $0 + rows[$1].values.count }
        return Batch(
            inputs: inputs(order.map { rows[$0].condition }, gene: nil), objective: .panels(groups), measured: measured)
    }

    /// Rows of one panel: the targets are the rows' values, every one measured.
    private func exactGroup(_ rows: [TrainingRow], _ members: ArraySlice<Int>, panel: Int32) -> PanelGroup {
        let width = panels[Int(panel)].genes.count
        for i in members {
            precondition(
                rows[i].values.count == width,
                "BatchBuilder: a row of panel \(panel) holds \(rows[i].values.count) of its \(width) values")
        }
        return PanelGroup(
            rows: members.startIndex..<members.endIndex, units: panels[Int(panel)].genes,
            rowValues: members.map { rows[$0].values })
    }

    /// Rows of several panels over the union of their genes: each row's values as they are (dense over its own
    /// panel), with one layout per panel saying where each union gene's value is (`PanelGroup.Layouts`).
    private mutating func mergedGroup(
        _ rows: [TrainingRow], _ members: ArraySlice<Int>, panels groupPanels: [Int32]
    ) -> PanelGroup {
        var units: [Int32] = []
        for panel in groupPanels {
            for gene in panels[Int(panel)].genes where column[Int(gene)] < 0 {
                column[Int(gene)] = 0
                units.append(gene)
            }
        }
        units.sort()
        for (c, gene) in units.enumerated() { column[Int(gene)] = Int32(c) }
        let width = units.count
        var positions = [Int32](repeating: -1, count: groupPanels.count * width)
        var layoutOf: [Int32: Int32] = [:]
        for (j, panel) in groupPanels.enumerated() {
            layoutOf[panel] = Int32(j)
            for (k, gene) in panels[Int(panel)].genes.enumerated() {
                positions[j * width + Int(column[Int(gene)])] = Int32(k)
            }
        }
        for gene in units { column[Int(gene)] = -1 }
        return PanelGroup(
            rows: members.startIndex..<members.endIndex, units: units, rowValues: members.map { rows[$0].values },
            layouts: PanelGroup.Layouts(rowLayout: members.map { layoutOf[rows[$0].panel]! }, positions: positions))
    }
}
