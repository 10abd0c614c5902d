import Foundation
import PerturbBase
import PerturbModel

/// The model families of the molecule-holdout table (seed spec §3.4). Every family trains the LPM of the base
/// config with one compound encoder; they differ in training data and initialization:
/// - all-datasets families train on every dataset's training rows (held-out molecules of a dataset still train in
///   the other datasets, so their embeddings transfer);
/// - `scratch_*` families train on the target dataset only, from scratch, with the global vocabulary (a held-out
///   molecule's learned row stays at its random initialization);
/// - `finetune_*` families train on the target dataset only, starting from the selected all-datasets checkpoint of
///   the same encoder kind with the compound table frozen.
public enum HoldoutFamily: String, CaseIterable, Sendable, Codable {
    case allDatasets = "all_datasets"
    case finetuneFrozenMoleculeEmbeddings = "finetune_frozen_molecule_embeddings"
    case scratchTargetOnly = "scratch_target_only"
    case morganFixed = "morgan_fixed"
    case finetuneMorganFixed = "finetune_morgan_fixed"
    case scratchTargetOnlyMorganFixed = "scratch_target_only_morgan_fixed"
    case morganLearned = "morgan_learned"
    case finetuneMorganLearned = "finetune_morgan_learned"

    /// How a family obtains its model.
    public enum Training: Sendable { case allDatasets, scratchTarget, finetuneTarget }

    public var encoder: CompoundEncoderKind {
        switch self {
        case .allDatasets, .finetuneFrozenMoleculeEmbeddings, .scratchTargetOnly: return .learned
        case .morganFixed, .finetuneMorganFixed, .scratchTargetOnlyMorganFixed: return .morganFixed
        case .morganLearned, .finetuneMorganLearned: return .morganLearned
        }
    }

    public var training: Training {
        switch self {
        case .allDatasets, .morganFixed, .morganLearned: return .allDatasets
        case .scratchTargetOnly, .scratchTargetOnlyMorganFixed: return .scratchTarget
        case .finetuneFrozenMoleculeEmbeddings, .finetuneMorganFixed, .finetuneMorganLearned: return .finetuneTarget
        }
    }

    /// Family names (`all` alone = every family) as families, keeping the given order and dropping repeats.
    public static func parseList(_ names: [String]) throws -> [HoldoutFamily] {
        if names == ["all"] { return allCases }
        var out: [HoldoutFamily] = []
        for name in names {
            guard let family = HoldoutFamily(rawValue: name) else {
                throw InputError(
                    "--families: unknown family '\(name)'; known: \(allCases.map(\.rawValue).joined(separator: ", ")) (or all)"
                )
            }
            if !out.contains(family) { out.append(family) }
        }
        guard !out.isEmpty else { throw InputError("--families: give at least one family") }
        return out
    }
}

/// How the molecule-holdout split is made.
public enum HoldoutSplitStrategy: String, CaseIterable, Sendable {
    /// `cross-dataset` with two or more datasets, `global` with one.
    case auto
    /// The reference `ten_percent_shared_molecules` / `low_shared_sample_balanced` split (molecules held out of one
    /// dataset stay in the others' training).
    case crossDataset = "cross-dataset"
    /// Molecules held out of every dataset at once (the only choice for a single dataset).
    case global
}
