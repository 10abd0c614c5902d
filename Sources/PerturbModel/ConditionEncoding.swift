import Foundation
import PerturbBase
import PerturbData

/// The model-side codes of one condition.
struct EncodedCondition {
    var dataset: Int32
    var context: Int32
    var compoundSet: Int32
    var logDose: Float
    var time: Float
}

/// Distinct compound sets (sorted compound codes) seen in the data, numbered in first-seen order.
final class CompoundSetTable {
    private(set) var members: [[Int32]] = []
    private var lookup: [[Int32]: Int32] = [:]

    func id(for codes: [Int32]) -> Int32 {
        if let id = lookup[codes] { return id }
        let id = Int32(members.count)
        members.append(codes)
        lookup[codes] = id
        return id
    }

    var count: Int { members.count }
}

/// Maps conditions of a source to model codes under fixed vocabularies.
struct ConditionEncoder {
    let index: VocabularyIndex
    let sets: CompoundSetTable

    /// Codes of `condition`; controls use the `Control` compound (code 0). Throws when a dataset, context or
    /// compound is not in the vocabularies (for example a checkpoint built on another corpus).
    func encode(_ condition: Condition, row: Int, source: String) throws -> EncodedCondition {
        guard let ds = index.datasets[condition.dataset] else {
            throw InputError(
                "\(source): row \(row) (\(condition.id)): dataset '\(condition.dataset)' is not in the model's vocabulary; use a checkpoint trained on a corpus that includes it"
            )
        }
        guard let ctx = index.contexts[condition.context] else {
            throw InputError(
                "\(source): row \(row) (\(condition.id)): context '\(condition.context)' is not in the model's vocabulary"
            )
        }
        var codes: [Int32] = []
        for key in condition.compounds {
            guard let code = index.compounds[key] else {
                throw InputError(
                    "\(source): row \(row) (\(condition.id)): compound '\(key)' is not in the model's vocabulary")
            }
            codes.append(code)
        }
        if codes.isEmpty { codes = [0] }
        return EncodedCondition(
            dataset: ds, context: ctx, compoundSet: sets.id(for: codes.sorted()),
            logDose: LogDose.value(micromolar: condition.doseMicromolar),
            time: condition.timeHours.flatMap { $0.isFinite ? Float($0) : nil } ?? 0)
    }
}
