import ArgumentParser
import Foundation
import PerturbBase
import PerturbData

/// `perturbridge split`: train/val/test assignments of effects conditions, saved as TSV.
struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split effects conditions into train/val/test (molecule hold-out, OP3, scaffold or random).",
        discussion: """
        Kinds: molecule-holdout (the reference ten_percent_shared_molecules strategy across datasets: in each dataset
        10 % of the molecules shared with another dataset go to val and 10 % to test, and stay in the other datasets'
        training; datasets with < 20 shared molecules use low_shared_sample_balanced), molecule-holdout-global (the same
        molecules held out of every dataset), op3 (25 % of compounds held out in all contexts, evaluated in B cells and
        Myeloid cells), scaffold (Bemis–Murcko scaffold groups), random (conditions). The TSV's first line records kind,
        seed and fractions; molecule-holdout also writes <name>.molecules.tsv.

        Example:
          perturbridge split --effects demo-data/sim_l1000.h5ad demo-data/sim_op3.h5ad --kind molecule-holdout \\
            --seed 13 --output demo-data/split.tsv
        """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case moleculeHoldout = "molecule-holdout", moleculeHoldoutGlobal = "molecule-holdout-global", op3, scaffold, random
    }

    @Option(parsing: .upToNextOption, help: "Effects .h5ad files.") var effects: [String]
    @Option(help: "molecule-holdout, molecule-holdout-global, op3, scaffold or random.") var kind: Kind
    @Option(help: "Random seed.") var seed: UInt64 = 13
    @Option(help: "Output TSV.") var output: String
    @Option(help: "Validation fraction (op3 default 0).") var valFraction: Double?
    @Option(help: "Test fraction (op3 default 0.25).") var testFraction: Double?
    @Option(help: "molecule-holdout: datasets with fewer shared molecules use the balanced strategy.") var lowSharedBelow = 20
    @Option(help: "op3: evaluation contexts, comma-separated.") var evaluationContexts = "B cells,Myeloid cells"

    func run() throws {
        guard !effects.isEmpty else { throw ValidationError("give at least one --effects file") }
        var conditions: [Condition] = []
        var compounds: [String: Compound] = [:]
        for path in effects {
            let reader = try EffectsReader(url: URL(fileURLWithPath: path))
            conditions += reader.conditions
            compounds.merge(reader.compounds) { a, _ in a }
        }
        for f in [valFraction, testFraction].compactMap({ $0 }) where !(0...1).contains(f) {
            throw ValidationError("fractions must be within 0...1 (got \(f))")
        }
        let val = valFraction ?? (kind == .op3 ? 0 : 0.1), test = testFraction ?? (kind == .op3 ? 0.25 : 0.1)
        let split: SplitAssignment
        switch kind {
        case .moleculeHoldout:
            split = MoleculeHoldout.crossDataset(conditions: conditions, seed: seed, valFraction: val, testFraction: test, lowSharedBelow: lowSharedBelow)
        case .moleculeHoldoutGlobal:
            split = MoleculeHoldout.global(conditions: conditions, seed: seed, valFraction: val, testFraction: test)
        case .op3:
            split = OP3Split.compoundHeldOut(conditions: conditions, seed: seed, testFraction: test, valFraction: val,
                                             evaluationContexts: evaluationContexts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        case .scaffold:
            split = ScaffoldSplit.make(conditions: conditions, compounds: compounds, seed: seed, valFraction: val, testFraction: test)
        case .random:
            split = RandomSplit.make(conditions: conditions, seed: seed, valFraction: val, testFraction: test)
        }
        try split.write(to: URL(fileURLWithPath: output))
        print("dataset\ttrain\tval\ttest\tval_molecules\ttest_molecules")
        for dataset in Array(Set(conditions.map(\.dataset))).sorted() {
            let c = split.counts(dataset: dataset)
            print("\(dataset)\t\(c["train"] ?? 0)\t\(c["val"] ?? 0)\t\(c["test"] ?? 0)\t"
                  + "\(split.molecules(in: "val", dataset: dataset).count)\t\(split.molecules(in: "test", dataset: dataset).count)")
        }
        if kind == .moleculeHoldout {
            ProgressReporter.log("training copy violations: \(MoleculeHoldout.trainingCopyViolations(split))")
        }
    }
}
