import Foundation
import PerturbBase
import PerturbData

/// Where conditions come from: an in-memory table or an effects `.h5ad` streamed by row ranges, so training data
/// larger than memory never has to be loaded whole.
public enum EffectsSource {
    case table(EffectsTable)
    case file(EffectsReader)

    /// Opens an effects file for streaming.
    public static func open(_ url: URL) throws -> EffectsSource { .file(try EffectsReader(url: url)) }

    public var conditions: [Condition] {
        switch self { case .table(let t): return t.conditions; case .file(let r): return r.conditions }
    }

    public var genes: [String] {
        switch self { case .table(let t): return t.genes; case .file(let r): return r.genes }
    }

    public var compounds: [String: Compound] {
        switch self { case .table(let t): return t.compounds; case .file(let r): return r.compounds }
    }

    /// A name for messages: the file path, or "in-memory table".
    public var name: String {
        switch self { case .table: return "in-memory table"; case .file(let r): return r.url.path }
    }

    /// The rows' gene panels when the file stores them (nil: use `measured(rows:)`).
    public var panels: GenePanels? {
        switch self { case .table: return nil; case .file(let r): return r.panels }
    }

    /// The measured mask of `rows`, row-major `rows × genes` (for files, without reading logFC).
    public func measured(rows: Range<Int>) throws -> [Bool] {
        switch self {
        case .table(let t): return Array(t.measured[(rows.lowerBound * t.genes.count)..<(rows.upperBound * t.genes.count)])
        case .file(let r): return try r.measured(rows: rows)
        }
    }

    /// Calls `body` with the logFC of `rows`, row-major `rows × genes`. A file is read straight into `buffer`, which
    /// grows as needed and is meant to be reused from call to call (no fresh pages per block).
    public func withLogFC(rows: Range<Int>, buffer: inout [Float], _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        switch self {
        case .table(let t):
            let g = t.genes.count
            try t.logFC[(rows.lowerBound * g)..<(rows.upperBound * g)].withUnsafeBufferPointer(body)
        case .file(let r):
            let n = rows.count * r.genes.count
            if buffer.count < n { buffer = [Float](repeating: 0, count: n) }
            try buffer.withUnsafeMutableBytes { try r.readLogFC(rows: rows, into: $0) }
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// logFC and measured mask of `rows`, row-major `rows × genes`.
    public func read(rows: Range<Int>) throws -> (logFC: [Float], measured: [Bool]) {
        switch self {
        case .table(let t):
            let g = t.genes.count
            return (Array(t.logFC[(rows.lowerBound * g)..<(rows.upperBound * g)]),
                    Array(t.measured[(rows.lowerBound * g)..<(rows.upperBound * g)]))
        case .file(let r):
            let slice = try r.read(rows: rows)
            return (slice.logFC, slice.measured)
        }
    }
}

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
            throw InputError("\(source): row \(row) (\(condition.id)): dataset '\(condition.dataset)' is not in the model's vocabulary; use a checkpoint trained on a corpus that includes it")
        }
        guard let ctx = index.contexts[condition.context] else {
            throw InputError("\(source): row \(row) (\(condition.id)): context '\(condition.context)' is not in the model's vocabulary")
        }
        var codes: [Int32] = []
        for key in condition.compounds {
            guard let code = index.compounds[key] else {
                throw InputError("\(source): row \(row) (\(condition.id)): compound '\(key)' is not in the model's vocabulary")
            }
            codes.append(code)
        }
        if codes.isEmpty { codes = [0] }
        return EncodedCondition(dataset: ds, context: ctx, compoundSet: sets.id(for: codes.sorted()),
                                logDose: LogDose.value(micromolar: condition.doseMicromolar),
                                time: condition.timeHours.flatMap { $0.isFinite ? Float($0) : nil } ?? 0)
    }
}
