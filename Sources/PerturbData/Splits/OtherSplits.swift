import Foundation
import PerturbBase
import PerturbChem

/// The OP3 compound-held-out split (seed spec §4.3): rows of all datasets are concatenated, compounds are taken in
/// first-appearance order, `floor(testFraction · n)` of them are drawn with the seed and every row of a drawn compound
/// (all its cell types) is held out as `test`; the rest train. Held-out rows in `evaluationContexts` (B cells and
/// Myeloid cells, the OP3 benchmark's test cell types) are marked `evaluated`; held-out rows in other contexts are
/// held out of training but not scored. An optional `valFraction` of the remaining compounds goes to val.
///
/// The draw is the reference's `np.random.seed(seed); np.random.choice(compounds, int(testFraction·n), replace=False)`
/// (NumPy's legacy generator, `NumPyRandomState`): the test compounds are the first `nTest` of the permutation; the
/// val compounds, an extension, are the next `nVal`. With the compounds in the order of `obs.sm_name.unique()`, the
/// same seed holds out the same compounds as the reference.
public enum OP3Split {
    public static let defaultEvaluationContexts = ["B cells", "Myeloid cells"]

    /// The split; `seed` must be below 2³² (NumPy's limit for an integer seed).
    public static func compoundHeldOut(
        conditions: [Condition], seed: UInt64, testFraction: Double = 0.25, valFraction: Double = 0,
        evaluationContexts: [String] = defaultEvaluationContexts
    ) -> SplitAssignment {
        precondition(seed <= UInt64(UInt32.max), "the OP3 split seed must be below 2^32 (NumPy's seed range)")
        var order: [String] = []
        var seen = Set<String>()
        for c in conditions { for m in c.compounds where seen.insert(m).inserted { order.append(m) } }
        var rng = NumPyRandomState(seed: UInt32(seed))
        let shuffled = rng.permutation(order.count).map { order[$0] }
        let nTest = Int((testFraction * Double(order.count)).rounded(.down))
        let nVal = Int((valFraction * Double(order.count)).rounded(.down))
        let test = Set(shuffled.prefix(nTest)), val = Set(shuffled.dropFirst(nTest).prefix(nVal))
        let evaluated = Set(evaluationContexts)
        let entries = SplitAssignment.entries(for: conditions) { c in
            let split = MoleculeHoldout.rowSplit(c.compounds, val: val, test: test)
            return (split, split == SplitAssignment.train || evaluated.contains(c.context))
        }
        return SplitAssignment(
            kind: "op3", seed: seed,
            parameters: [
                ("test_fraction", "\(testFraction)"), ("val_fraction", "\(valFraction)"),
                (
                    "evaluation_contexts",
                    evaluationContexts.joined(separator: ",").replacingOccurrences(of: " ", with: "_")
                ),
            ],
            entries: entries)
    }
}

/// Scaffold split: compounds are grouped by Bemis–Murcko scaffold (PerturbChem); scaffold groups, in a seeded
/// random order, fill val then test until each holds at least its fraction of compounds; the rest train. Whole
/// scaffolds are held out, so val/test molecules share no scaffold with training molecules. Acyclic molecules share
/// the empty scaffold; compounds without a structure form their own group. A condition is test if any compound is.
public enum ScaffoldSplit {
    public static func make(
        conditions: [Condition], compounds: [String: Compound], seed: UInt64,
        valFraction: Double = 0.1, testFraction: Double = 0.1
    ) -> SplitAssignment {
        let keys = Array(Set(conditions.flatMap(\.compounds))).sorted()
        var groups: [String: [String]] = [:]
        for key in keys {
            let smiles = compounds[key]?.canonicalSmiles ?? ""
            let scaffold = smiles.isEmpty ? "key:" + key : ((try? Chem.murckoScaffold(smiles)) ?? "key:" + key)
            groups[scaffold, default: []].append(key)
        }
        var rng = SeededRNG.derived(seed: seed, label: "scaffold-split")
        let order = seededShuffle(groups.keys.sorted(), &rng)
        let nVal = valFraction * Double(keys.count), nTest = testFraction * Double(keys.count)
        var val = Set<String>(), test = Set<String>()
        for scaffold in order {
            if Double(val.count) < nVal {
                val.formUnion(groups[scaffold]!)
            } else if Double(test.count) < nTest {
                test.formUnion(groups[scaffold]!)
            }
        }
        let entries = SplitAssignment.entries(for: conditions) {
            (MoleculeHoldout.rowSplit($0.compounds, val: val, test: test), true)
        }
        return SplitAssignment(
            kind: "scaffold", seed: seed,
            parameters: [
                ("val_fraction", "\(valFraction)"), ("test_fraction", "\(testFraction)"),
                ("scaffolds", "\(groups.count)"),
            ], entries: entries)
    }
}

/// Random condition split: conditions (controls included) in a seeded random order; the first
/// round(valFraction·n) val, the next round(testFraction·n) test, the rest train. Molecules leak across splits by design.
public enum RandomSplit {
    public static func make(
        conditions: [Condition], seed: UInt64, valFraction: Double = 0.1, testFraction: Double = 0.1
    ) -> SplitAssignment {
        var rng = SeededRNG.derived(seed: seed, label: "random-split")
        let order = seededShuffle(Array(conditions.indices), &rng)
        let nVal = Int((valFraction * Double(conditions.count)).rounded())
        let nTest = Int((testFraction * Double(conditions.count)).rounded())
        var split = [String](repeating: SplitAssignment.train, count: conditions.count)
        for i in order.prefix(nVal) { split[i] = SplitAssignment.val }
        for i in order.dropFirst(nVal).prefix(nTest) { split[i] = SplitAssignment.test }
        let entries = conditions.indices.map { i in
            SplitAssignment.Entry(
                conditionId: conditions[i].id, dataset: conditions[i].dataset, context: conditions[i].context,
                compounds: conditions[i].compounds, split: split[i])
        }
        return SplitAssignment(
            kind: "random", seed: seed,
            parameters: [("val_fraction", "\(valFraction)"), ("test_fraction", "\(testFraction)")], entries: entries)
    }
}
