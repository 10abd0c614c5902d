import PerturbBase
import PerturbNN

/// One scalar training row: a measured (condition, gene) logFC.
struct ScalarRecord {
    var dataset: Int32
    var context: Int32
    var compoundSet: Int32
    var gene: Int32
    var logDose: Float
    var time: Float
    var value: Float
}

/// One multi-output training row: a condition with its measured genes (global codes) and values.
struct ConditionRecord {
    var dataset: Int32
    var context: Int32
    var compoundSet: Int32
    var logDose: Float
    var time: Float
    var genes: [Int32]
    var values: [Float]
}

/// The reference ShuffleBuffer (seed-spec §3.8): records are appended shard by shard; whenever the buffer holds
/// more than `threshold` records it is shuffled and full batches are popped until it drops below the threshold; at
/// the end the rest is shuffled and emptied (the last batch may be short).
struct ShuffleBuffer<Record> {
    let threshold: Int
    let batchSize: Int
    private(set) var items: [Record] = []

    init(threshold: Int, batchSize: Int) {
        self.threshold = max(threshold, batchSize)
        self.batchSize = batchSize
    }

    mutating func add(_ records: [Record], rng: inout SeededRNG, emit: ([Record]) throws -> Void) rethrows {
        items.append(contentsOf: records)
        guard items.count > threshold else { return }
        shuffle(&rng)
        while items.count >= threshold {
            let batch = Array(items[(items.count - batchSize)...])
            items.removeLast(batchSize)
            try emit(batch)
        }
    }

    mutating func finish(rng: inout SeededRNG, emit: ([Record]) throws -> Void) rethrows {
        shuffle(&rng)
        while !items.isEmpty {
            let n = min(batchSize, items.count)
            let batch = Array(items[(items.count - n)...])
            items.removeLast(n)
            try emit(batch)
        }
    }

    private mutating func shuffle(_ rng: inout SeededRNG) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, rng.nextInt(below: i + 1)) }
    }
}

/// Builds model inputs and targets from records, deduplicating compound sets within the batch.
struct BatchBuilder {
    let sets: CompoundSetTable
    let geneCount: Int
    private var slot: [Int32] = []

    init(sets: CompoundSetTable, geneCount: Int) {
        self.sets = sets
        self.geneCount = geneCount
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

    mutating func scalar(_ records: [ScalarRecord]) -> (LPMInputs, Tensor) {
        let (local, compoundSets) = localSets(records.map(\.compoundSet))
        let inputs = LPMInputs(dataset: records.map(\.dataset), context: records.map(\.context), compoundSet: local,
                               compoundSets: compoundSets, gene: records.map(\.gene), logDose: records.map(\.logDose),
                               time: records.map(\.time))
        return (inputs, Tensor(shape: [records.count, 1], values: records.map(\.value)))
    }

    /// Inputs, dense targets `[rows, genes]` (0 where unmeasured), the measured mask and the measured count.
    mutating func multiout(_ records: [ConditionRecord]) -> (LPMInputs, Tensor, Tensor, Int) {
        let (local, compoundSets) = localSets(records.map(\.compoundSet))
        let inputs = LPMInputs(dataset: records.map(\.dataset), context: records.map(\.context), compoundSet: local,
                               compoundSets: compoundSets, gene: nil, logDose: records.map(\.logDose), time: records.map(\.time))
        let g = geneCount
        var target = Tensor(shape: [records.count, g], repeating: 0)
        var mask = Tensor(shape: [records.count, g], repeating: 0)
        let tp = target.mutablePointer(), mp = mask.mutablePointer()
        var measured = 0
        for (r, record) in records.enumerated() {
            for (k, gene) in record.genes.enumerated() {
                tp[r * g + Int(gene)] = record.values[k]
                mp[r * g + Int(gene)] = 1
            }
            measured += record.genes.count
        }
        return (inputs, target, mask, measured)
    }
}
