import Foundation
import PerturbBase

/// Molecule hold-out splits across datasets.
public enum MoleculeHoldout {
    /// The reference strategy `ten_percent_shared_molecules` (seed spec §4.1), implemented step by step:
    /// 1. Molecules of a condition = its compound keys (controls have none and always train).
    /// 2. `shared(d)` = molecules of dataset d that also occur in another dataset.
    /// 3. Datasets are processed in ascending (|shared(d)|, name). A molecule m can be held out of d only if some
    ///    other dataset still trains on m (`datasetsOf[m] − (heldOutIn[m] ∪ {d}) ≠ ∅`).
    /// 4. |shared(d)| < `lowSharedBelow` (`low_shared_sample_balanced`): eligible shared molecules (checked
    ///    against the state before d) sorted by (−condition count, key) go greedily to val while
    ///    val conditions ≤ test conditions, else to test.
    ///    Otherwise (`ten_percent_shared_molecules`): floor(valFraction·|shared|) val and floor(testFraction·|shared|)
    ///    test molecules, walking a seeded shuffle of the sorted shared molecules (val first, then test skipping val).
    /// 5. A condition of d is test if any of its molecules is test in d, else val if any is val in d, else train.
    /// Held-out molecules stay in the other datasets' training — the transfer the evaluation measures.
    ///
    /// The shuffle is the reference's `stable_shuffle`: CPython's `random.Random(int(sha256(f"{seed}:{d}")[:16], 16))`
    /// `.shuffle` (`PythonRandom`), so the same conditions, compound keys and seed select the same molecules as the
    /// reference script — seed 13 over the paper's condition table gives back its published split.
    public static func crossDataset(
        conditions: [Condition], seed: UInt64, valFraction: Double = 0.1,
        testFraction: Double = 0.1, lowSharedBelow: Int = 20
    ) -> SplitAssignment {
        var datasetsOf: [String: Set<String>] = [:]
        var moleculesOf: [String: Set<String>] = [:]
        var sampleCounts: [String: [String: Int]] = [:]
        for c in conditions where c.replicate == nil {
            for m in Set(c.compounds) {
                datasetsOf[m, default: []].insert(c.dataset)
                moleculesOf[c.dataset, default: []].insert(m)
                sampleCounts[c.dataset, default: [:]][m, default: 0] += 1
            }
        }
        func shared(_ d: String) -> [String] { (moleculesOf[d] ?? []).filter { datasetsOf[$0]!.count > 1 }.sorted() }
        let order = moleculesOf.keys.sorted { (shared($0).count, $0) < (shared($1).count, $1) }
        var heldOutIn: [String: Set<String>] = [:]
        var valOf: [String: Set<String>] = [:]
        var testOf: [String: Set<String>] = [:]
        var strategies: [String: String] = [:]
        func canHoldOut(_ d: String, _ m: String) -> Bool {
            !datasetsOf[m]!.subtracting(heldOutIn[m, default: []].union([d])).isEmpty
        }
        for d in order {
            let sharedMolecules = shared(d)
            var val: Set<String> = [], test: Set<String> = []
            if sharedMolecules.count < lowSharedBelow {
                strategies[d] = "low_shared_sample_balanced"
                let counts = sampleCounts[d]!
                let eligible = sharedMolecules.filter { canHoldOut(d, $0) }
                    .sorted { (-counts[$0]!, $0) < (-counts[$1]!, $1) }
                var valSamples = 0, testSamples = 0
                for m in eligible {
                    if valSamples <= testSamples {
                        val.insert(m); valSamples += counts[m]!
                    } else {
                        test.insert(m); testSamples += counts[m]!
                    }
                }
                for m in val.union(test) { heldOutIn[m, default: []].insert(d) }
            } else {
                strategies[d] = "ten_percent_shared_molecules"
                let valTarget = Int((valFraction * Double(sharedMolecules.count)).rounded(.down))
                let testTarget = Int((testFraction * Double(sharedMolecules.count)).rounded(.down))
                var candidates = sharedMolecules
                var rng = stableShuffleGenerator(seed: seed, salt: d)
                rng.shuffle(&candidates)
                for m in candidates where val.count < valTarget && canHoldOut(d, m) {
                    val.insert(m); heldOutIn[m, default: []].insert(d)
                }
                for m in candidates where test.count < testTarget && !val.contains(m) && canHoldOut(d, m) {
                    test.insert(m); heldOutIn[m, default: []].insert(d)
                }
            }
            valOf[d] = val
            testOf[d] = test
        }
        let entries = SplitAssignment.entries(for: conditions) { c in
            (rowSplit(c.compounds, val: valOf[c.dataset] ?? [], test: testOf[c.dataset] ?? []), true)
        }
        var held: [SplitAssignment.HeldOutMolecule] = []
        for d in moleculesOf.keys.sorted() {
            for (split, set) in [(SplitAssignment.val, valOf[d] ?? []), (SplitAssignment.test, testOf[d] ?? [])] {
                for m in set.sorted() {
                    let others = datasetsOf[m]!.subtracting(heldOutIn[m] ?? []).subtracting([d]).sorted()
                    held.append(
                        .init(
                            dataset: d, split: split, molecule: m, samplesInDataset: sampleCounts[d]![m]!,
                            otherTrainingDatasets: others))
                }
            }
        }
        let strategyText = order.map { "\($0):\(strategies[$0]!)" }.joined(separator: ",").replacingOccurrences(
            of: " ", with: "_")
        return SplitAssignment(
            kind: "molecule-holdout", seed: seed,
            parameters: [
                ("val_fraction", "\(valFraction)"), ("test_fraction", "\(testFraction)"),
                ("low_shared_below", "\(lowSharedBelow)"), ("strategies", strategyText),
            ],
            entries: entries, heldOutMolecules: held)
    }

    /// A simpler global hold-out: all molecules (sorted, then seeded shuffle) → the first floor(valFraction·n) val,
    /// the next floor(testFraction·n) test, in every dataset at once. A condition is test if any of its molecules
    /// is test, else val if any is val.
    public static func global(
        conditions: [Condition], seed: UInt64, valFraction: Double = 0.1, testFraction: Double = 0.1
    ) -> SplitAssignment {
        let molecules = Array(Set(conditions.flatMap(\.compounds))).sorted()
        var rng = SeededRNG.derived(seed: seed, label: "molecule-holdout-global")
        let shuffled = seededShuffle(molecules, &rng)
        let nVal = Int((valFraction * Double(molecules.count)).rounded(.down))
        let nTest = Int((testFraction * Double(molecules.count)).rounded(.down))
        let val = Set(shuffled.prefix(nVal)), test = Set(shuffled.dropFirst(nVal).prefix(nTest))
        let entries = SplitAssignment.entries(for: conditions) { (rowSplit($0.compounds, val: val, test: test), true) }
        return SplitAssignment(
            kind: "molecule-holdout-global", seed: seed,
            parameters: [("val_fraction", "\(valFraction)"), ("test_fraction", "\(testFraction)")], entries: entries)
    }

    /// The reference's per-dataset generator: `random.Random` seeded with the first 16 hex digits of
    /// `sha256(f"{seed}:{salt}")` read as an integer.
    static func stableShuffleGenerator(seed: UInt64, salt: String) -> PythonRandom {
        PythonRandom(seed: UInt64(SHA256.hexDigest("\(seed):\(salt)").prefix(16), radix: 16)!)
    }

    /// Number of held-out (dataset, molecule) pairs that no other dataset trains on (must be 0 for the
    /// cross-dataset strategy; the reference's `training_copy_violations`).
    public static func trainingCopyViolations(_ split: SplitAssignment) -> Int {
        var trainedIn: [String: Set<String>] = [:]
        for e in split.entries where e.split == SplitAssignment.train {
            for m in e.compounds { trainedIn[m, default: []].insert(e.dataset) }
        }
        var violations = 0
        for h in split.heldOutMolecules where trainedIn[h.molecule, default: []].subtracting([h.dataset]).isEmpty {
            violations += 1
        }
        return violations
    }

    static func rowSplit(_ compounds: [String], val: Set<String>, test: Set<String>) -> String {
        if compounds.contains(where: test.contains) { return SplitAssignment.test }
        if compounds.contains(where: val.contains) { return SplitAssignment.val }
        return SplitAssignment.train
    }
}
