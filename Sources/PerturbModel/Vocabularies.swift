import Foundation
import PerturbBase
import PerturbData

/// The global vocabularies of an LPM: every dataset, context, compound and gene of the corpus, sorted
/// lexicographically, with compound code 0 = `"Control"` (seed-spec §1.4). Tables are sized by these even when a
/// run trains on one dataset (§3.2), so checkpoints transfer between runs on the same corpus.
public struct Vocabularies: Codable, Equatable, Sendable {
    public static let control = "Control"

    public var datasets: [String]
    public var contexts: [String]
    /// Compound keys; index 0 is `"Control"`.
    public var compounds: [String]
    public var genes: [String]
    /// Canonical SMILES parallel to `compounds` ("" when unknown; the control has none).
    public var compoundSmiles: [String]
    /// Datasets whose training rows used each compound (filled by the trainer; parallel to `compounds`).
    public var compoundTrainingDatasets: [[String]]

    public init(
        datasets: [String], contexts: [String], compounds: [String], genes: [String],
        compoundSmiles: [String], compoundTrainingDatasets: [[String]]? = nil
    ) {
        precondition(compounds.first == Vocabularies.control, "compound vocabulary must start with \"Control\"")
        precondition(compoundSmiles.count == compounds.count, "compoundSmiles must parallel compounds")
        self.datasets = datasets
        self.contexts = contexts
        self.compounds = compounds
        self.genes = genes
        self.compoundSmiles = compoundSmiles
        self.compoundTrainingDatasets = compoundTrainingDatasets ?? Array(repeating: [], count: compounds.count)
    }

    /// Builds the vocabularies from condition lists, gene lists and compound tables of every source.
    public init(conditions: [[Condition]], genes: [[String]], compounds: [[String: Compound]]) {
        var ds = Set<String>(), ctx = Set<String>(), cpd = Set<String>(), gs = Set<String>()
        for list in conditions {
            for c in list { ds.insert(c.dataset); ctx.insert(c.context); for k in c.compounds { cpd.insert(k) } }
        }
        for list in genes { gs.formUnion(list) }
        cpd.remove(Vocabularies.control)
        var smiles: [String: String] = [:]
        for table in compounds {
            for (k, v) in table where !v.canonicalSmiles.isEmpty && smiles[k] == nil { smiles[k] = v.canonicalSmiles }
        }
        let keys = [Vocabularies.control] + cpd.sorted()
        self.init(
            datasets: ds.sorted(), contexts: ctx.sorted(), compounds: keys, genes: gs.sorted(),
            compoundSmiles: keys.map { smiles[$0] ?? "" })
    }

    /// Vocabularies of one in-memory table.
    public init(table: EffectsTable) {
        self.init(conditions: [table.conditions], genes: [table.genes], compounds: [table.compounds])
    }

    /// Lookup maps (name → code).
    public func index() -> VocabularyIndex { VocabularyIndex(self) }
}

/// Name → code maps of a `Vocabularies`.
public struct VocabularyIndex: Sendable {
    public internal(set) var datasets: [String: Int32]
    public internal(set) var contexts: [String: Int32]
    public internal(set) var compounds: [String: Int32]
    public internal(set) var genes: [String: Int32]

    init(_ v: Vocabularies) {
        func map(_ names: [String]) -> [String: Int32] {
            Dictionary(names.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
        }
        datasets = map(v.datasets)
        contexts = map(v.contexts)
        compounds = map(v.compounds)
        genes = map(v.genes)
    }

    /// Global gene code of every gene of a source (−1 where the vocabulary lacks it).
    public func geneMap(_ sourceGenes: [String]) -> [Int32] { sourceGenes.map { genes[$0] ?? -1 } }
}
