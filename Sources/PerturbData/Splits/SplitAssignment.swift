import Foundation
import PerturbBase

/// A train/val/test assignment of conditions, saved as a TSV whose first line is a `#` comment carrying the split
/// kind, seed and fractions, so the artifact says how it was made.
public struct SplitAssignment: Sendable, Equatable {
    /// One condition's assignment.
    public struct Entry: Sendable, Equatable {
        public var conditionId: String
        public var dataset: String
        public var context: String
        public var compounds: [String]
        public var split: String
        /// False for held-out rows outside the evaluation contexts (OP3 split); true otherwise.
        public var evaluated: Bool
        public init(
            conditionId: String, dataset: String, context: String, compounds: [String], split: String,
            evaluated: Bool = true
        ) {
            self.conditionId = conditionId
            self.dataset = dataset
            self.context = context
            self.compounds = compounds
            self.split = split
            self.evaluated = evaluated
        }
    }

    /// A molecule held out of one dataset's training (molecule-holdout splits).
    public struct HeldOutMolecule: Sendable, Equatable {
        public var dataset: String
        public var split: String
        public var molecule: String
        public var samplesInDataset: Int
        public var otherTrainingDatasets: [String]
    }

    public static let train = "train", val = "val", test = "test"

    public var kind: String
    public var seed: UInt64
    /// Ordered key/value parameters written in the header (fractions, strategy settings).
    public var parameters: [(String, String)]
    public var entries: [Entry]
    public var heldOutMolecules: [HeldOutMolecule] = []

    public init(
        kind: String, seed: UInt64, parameters: [(String, String)], entries: [Entry],
        heldOutMolecules: [HeldOutMolecule] = []
    ) {
        self.kind = kind
        self.seed = seed
        self.parameters = parameters
        self.entries = entries
        self.heldOutMolecules = heldOutMolecules
    }

    /// Condition id → "train" / "val" / "test".
    public var splitOf: [String: String] {
        Dictionary(entries.map { ($0.conditionId, $0.split) }, uniquingKeysWith: { a, _ in a })
    }

    /// Number of conditions per split, optionally within one dataset.
    public func counts(dataset: String? = nil) -> [String: Int] {
        var out: [String: Int] = [:]
        for e in entries where dataset == nil || e.dataset == dataset { out[e.split, default: 0] += 1 }
        return out
    }

    /// Distinct compound keys per split (within a dataset if given).
    public func molecules(in split: String, dataset: String? = nil) -> Set<String> {
        Set(entries.filter { $0.split == split && (dataset == nil || $0.dataset == dataset) }.flatMap(\.compounds))
    }

    public static func == (a: SplitAssignment, b: SplitAssignment) -> Bool {
        a.kind == b.kind && a.seed == b.seed && a.entries == b.entries && a.heldOutMolecules == b.heldOutMolecules
            && a.parameters.map { $0.0 + "=" + $0.1 } == b.parameters.map { $0.0 + "=" + $0.1 }
    }

    var headerComment: String {
        "# perturbridge split kind=\(kind) seed=\(seed)" + parameters.map { " \($0.0)=\($0.1)" }.joined()
    }

    static let columns = ["condition_id", "dataset", "context", "compounds", "split", "evaluated"]

    /// Writes the TSV (and, when molecules were held out, `<name>.molecules.tsv` beside it), atomically.
    public func write(to url: URL) throws {
        var text = headerComment + "\n" + Self.columns.joined(separator: "\t") + "\n"
        for e in entries {
            text +=
                [
                    e.conditionId, e.dataset, e.context, e.compounds.joined(separator: "+"), e.split,
                    e.evaluated ? "1" : "0",
                ]
                .joined(separator: "\t") + "\n"
        }
        try AtomicFile.write(text, to: url)
        if !heldOutMolecules.isEmpty {
            var m = headerComment + "\ndataset\tsplit\tmolecule\tsamples_in_dataset\tother_training_datasets\n"
            for h in heldOutMolecules {
                m +=
                    "\(h.dataset)\t\(h.split)\t\(h.molecule)\t\(h.samplesInDataset)\t\(h.otherTrainingDatasets.joined(separator: ","))\n"
            }
            try AtomicFile.write(m, to: Self.moleculesURL(for: url))
        }
    }

    /// Path of the held-out molecule table written beside a split TSV.
    public static func moleculesURL(for url: URL) -> URL {
        url.deletingPathExtension().appendingPathExtension("molecules.tsv")
    }

    /// Builds entries for conditions from a per-condition split function.
    static func entries(for conditions: [Condition], _ splitOf: (Condition) -> (String, Bool)) -> [Entry] {
        conditions.map { c in
            let (split, evaluated) = splitOf(c)
            return Entry(
                conditionId: c.id, dataset: c.dataset, context: c.context, compounds: c.compounds, split: split,
                evaluated: evaluated)
        }
    }
}

/// Seeded Fisher–Yates shuffle (deterministic for a given generator state).
func seededShuffle<T>(_ items: [T], _ rng: inout SeededRNG) -> [T] {
    var a = items
    rng.shuffle(&a)
    return a
}
