import ArgumentParser
import Foundation
import PerturbBase
import PerturbData

/// `perturbridge split`: train/val/test assignments of effects conditions (saved as a split TSV), or of a condition
/// table (written back with its split column replaced).
struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split conditions into train/val/test (molecule hold-out, published, OP3, scaffold or random).",
        discussion: """
            Kinds: molecule-holdout (the reference ten_percent_shared_molecules strategy across datasets: in each dataset \
            10 % of the molecules shared with another dataset go to val and 10 % to test, and stay in the other datasets' \
            training; datasets with < 20 shared molecules use low_shared_sample_balanced; the shuffle is the reference's \
            CPython random.Random(sha256(seed:dataset)), so seed 13 over the paper's conditions gives its split), \
            molecule-holdout-global (the same molecules held out of every dataset), published (the paper's split from \
            --from: df_annot_split.tsv.gz matched by dataset, context, CID, log_dose and time, or heldout_molecules.tsv \
            by dataset and CID; conditions it cannot place are listed in <output>.unplaced.tsv and left out), op3 (25 % \
            of compounds, in first-appearance order, drawn as NumPy's np.random.seed(seed); np.random.choice(..., \
            replace=False) and held out in all contexts, evaluated in B cells and Myeloid cells), scaffold (Bemis–Murcko \
            scaffold groups), random (conditions).

            Input is either effects files (--effects; the split TSV's first line records kind, seed and fractions; \
            molecule-holdout also writes <name>.molecules.tsv) or a condition table (--conditions, the layout of \
            df_annot_split.tsv.gz: dataset, context, perturbation = CID, log_dose, time[, split]), which is written back \
            to --output with the same rows in the same order and its split column replaced (.gz output is gzip).

            --compound-key cid keys molecules by PubChem CID, as the reference does (compounds without a CID keep their \
            key and are counted); inchikey (the default) uses the effects files' keys.

            Examples:
              perturbridge split --effects demo-data/sim_l1000.h5ad demo-data/sim_op3.h5ad --kind molecule-holdout \\
                --seed 13 --output demo-data/split.tsv
              perturbridge split --conditions df_annot_split.tsv.gz --kind molecule-holdout --seed 13 --output resplit.tsv.gz
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case moleculeHoldout = "molecule-holdout", moleculeHoldoutGlobal = "molecule-holdout-global", published, op3,
            scaffold, random
    }

    @Option(parsing: .upToNextOption, help: "Effects .h5ad files.") var effects: [String] = []
    @Option(help: "A condition table (df_annot_split.tsv.gz layout) to split instead of effects files.") var conditions:
        String?
    @Option(help: "The kind of split.") var kind: Kind
    @Option(help: "published: the published split (df_annot_split.tsv.gz or heldout_molecules.tsv).") var from: String?
    @Option(help: "Molecule identity: the files' compound keys or PubChem CIDs.") var compoundKey: CompoundKey =
        .inchikey
    @Option(help: "Random seed (op3: NumPy's seed range, below 2^32).") var seed: UInt64 = 13
    @Option(help: "Output: split TSV, or the condition table with --conditions.") var output: String
    @Option(help: "Validation fraction (op3 default 0).") var valFraction: Double?
    @Option(help: "Test fraction (op3 default 0.25).") var testFraction: Double?
    @Option(help: "molecule-holdout: datasets with fewer shared molecules use the balanced strategy.")
    var lowSharedBelow = 20
    @Option(help: "op3: evaluation contexts, comma-separated.") var evaluationContexts = CommaList([
        "B cells", "Myeloid cells",
    ])

    func validate() throws {
        guard effects.isEmpty != (conditions == nil) else {
            throw ValidationError("give either --effects files or one --conditions table")
        }
        for f in [valFraction, testFraction].compactMap({ $0 }) where !(0...1).contains(f) {
            throw ValidationError("fractions must be within 0...1 (got \(f))")
        }
        if kind == .published && from == nil { throw ValidationError("--kind published needs --from FILE") }
        if kind != .published && from != nil { throw ValidationError("--from is only used with --kind published") }
        if kind == .op3 && seed > UInt64(UInt32.max) {
            throw ValidationError("--seed for op3 must be below 2^32 (NumPy's seed range)")
        }
        if kind == .scaffold && conditions != nil {
            throw ValidationError("--kind scaffold needs structures: use --effects files")
        }
    }

    func run() throws {
        let input = try loadConditions()
        let split = try makeSplit(input.conditions, original: input.original, compounds: input.compounds)
        if let table = input.table {
            try table.write(split, to: URL(fileURLWithPath: output))
        } else {
            try split.write(to: URL(fileURLWithPath: output))
        }
        print("dataset\ttrain\tval\ttest\tval_molecules\ttest_molecules")
        for dataset in Array(Set(input.conditions.map(\.dataset))).sorted() {
            let c = split.counts(dataset: dataset)
            print(
                "\(dataset)\t\(c["train"] ?? 0)\t\(c["val"] ?? 0)\t\(c["test"] ?? 0)\t"
                    + "\(split.molecules(in: "val", dataset: dataset).count)\t\(split.molecules(in: "test", dataset: dataset).count)"
            )
        }
        if kind == .moleculeHoldout {
            ProgressReporter.log("training copy violations: \(MoleculeHoldout.trainingCopyViolations(split))")
        }
    }

    /// The conditions to split (compounds under the chosen identity), the originals (for their ids), the compound
    /// table and, with --conditions, the table to write back.
    private func loadConditions() throws -> (
        conditions: [Condition], original: [Condition], compounds: [String: Compound], table: ConditionTable?
    ) {
        if let conditions {
            let table = try ConditionTable.read(URL(fileURLWithPath: conditions))
            return (table.conditions, table.conditions, [:], table)
        }
        var original: [Condition] = []
        var compounds: [String: Compound] = [:]
        for path in effects {
            let reader = try EffectsReader(url: URL(fileURLWithPath: path))
            original += reader.conditions
            compounds.merge(reader.compounds) { a, _ in a }
        }
        let key = kind == .published ? CompoundKey.cid : compoundKey
        let (rekeyed, withoutCID) = key.rekey(original, compounds: compounds)
        if !withoutCID.isEmpty {
            ProgressReporter.log(
                "split: \(withoutCID.count) compounds have no PubChem CID and keep their key (e.g. \(withoutCID.sorted().prefix(3).joined(separator: ", "))); "
                    + "give CIDs with `perturbridge effects --cid-map`")
        }
        return (rekeyed, original, compounds, nil)
    }

    /// The split of `conditions` (compounds under the chosen identity), its entries named by the `original` ids.
    private func makeSplit(
        _ conditions: [Condition], original: [Condition], compounds: [String: Compound]
    ) throws -> SplitAssignment {
        let val = valFraction ?? (kind == .op3 ? 0 : 0.1), test = testFraction ?? (kind == .op3 ? 0.25 : 0.1)
        let split: SplitAssignment
        switch kind {
        case .moleculeHoldout:
            split = MoleculeHoldout.crossDataset(
                conditions: conditions, seed: seed, valFraction: val, testFraction: test, lowSharedBelow: lowSharedBelow
            )
        case .moleculeHoldoutGlobal:
            split = MoleculeHoldout.global(conditions: conditions, seed: seed, valFraction: val, testFraction: test)
        case .published:
            let (assignment, unplaced) = try PublishedSplit.read(URL(fileURLWithPath: from!)).apply(
                to: conditions, ids: original.map(\.id))
            try reportUnplaced(unplaced)
            return assignment
        case .op3:
            split = OP3Split.compoundHeldOut(
                conditions: conditions, seed: seed, testFraction: test, valFraction: val,
                evaluationContexts: evaluationContexts.items)
        case .scaffold:
            split = ScaffoldSplit.make(
                conditions: conditions, compounds: compounds, seed: seed, valFraction: val, testFraction: test)
        case .random:
            split = RandomSplit.make(conditions: conditions, seed: seed, valFraction: val, testFraction: test)
        }
        return split.restoringConditionIds(original)
    }

    /// Writes every unplaced condition with its reason to `<output>.unplaced.tsv` and summarizes the reasons on stderr.
    private func reportUnplaced(_ unplaced: [PublishedSplit.Unplaced]) throws {
        let url = URL(fileURLWithPath: output + ".unplaced.tsv")
        guard !unplaced.isEmpty else {
            try? FileManager.default.removeItem(at: url)
            return
        }
        var text = "condition_id\tdataset\treason\n"
        var byReason: [String: Int] = [:]
        for u in unplaced {
            text += "\(u.conditionId)\t\(u.condition.dataset)\t\(u.reason)\n"
            byReason[u.reason, default: 0] += 1
        }
        try AtomicFile.write(text, to: url)
        let reasons = byReason.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: "; ")
        ProgressReporter.log(
            "split: \(unplaced.count) conditions not in the published split, left out (\(reasons)); listed in \(url.path)"
        )
    }
}
