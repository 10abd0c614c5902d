import PerturbBase
import PerturbChem
import PerturbNN
import PerturbTensor

/// Distinct compound sets of a batch, CSR style: set `i` holds compound codes `indices[offsets[i]..<offsets[i+1]]`.
/// Codes at or above the vocabulary size refer to `extraFingerprints` (molecules outside the vocabulary, for the
/// encoders that can embed them: `fingerprint_mlp` and `morgan_fixed`).
public struct CompoundSets {
    public var offsets: [Int32]
    public var indices: [Int32]
    public var extraFingerprints: [Fingerprint]

    public init(offsets: [Int32], indices: [Int32], extraFingerprints: [Fingerprint] = []) {
        self.offsets = offsets
        self.indices = indices
        self.extraFingerprints = extraFingerprints
    }

    public var count: Int { offsets.count - 1 }
}

/// Turns compound sets into perturbation vectors `[sets, D]`. One type per encoder (a type may serve several
/// kinds), found by `CompoundEncoderKind.encoderType`: a new encoder is one new file plus one case below.
protocol CompoundEncoder: Module {
    /// The encoder of `kind` (one of the kinds `encoderType` maps to this type); parameters draw from `rng` in a
    /// fixed order.
    init(kind: CompoundEncoderKind, config: LPMConfig, vocabularies: Vocabularies, rng: inout SeededRNG)
    /// The number of weights `init` allocates, computed without allocating them (as a `Double`, so absurd sizes
    /// from a damaged sidecar cannot overflow): `LPMModel.parameterCount` adds it up before anything is built.
    static func parameterCount(config: LPMConfig, vocabularies: Vocabularies) -> Double
    /// The `[sets, D]` perturbation vectors of `sets` on `graph`.
    func encode(_ sets: CompoundSets, graph: Graph) -> Var
    /// Vocabulary compounds whose fingerprint is the zero vector (no or invalid SMILES), excluding Control; empty
    /// for encoders that use no structure.
    var zeroFingerprintKeys: [String] { get }
    /// The fingerprint a molecule outside the vocabulary is embedded from (`CompoundSets.extraFingerprints`); nil
    /// when the encoder has rows for vocabulary compounds only (`learned`, `morgan_learned`).
    var newMoleculeFingerprint: MorganOptions? { get }
}

/// How a compound (set) becomes the perturbation vector of width `embeddingDim`.
public enum CompoundEncoderKind: String, Codable, CaseIterable, Sendable {
    /// A learned table, one row per vocabulary compound, N(0, 1) init (the reference default).
    case learned
    /// Morgan bits (radius `morganRadius`, `embeddingDim` bits) as a frozen table; zero rows for the control,
    /// compounds without SMILES and invalid SMILES.
    case morganFixed = "morgan_fixed"
    /// The same Morgan table as the initialization of a learned table.
    case morganLearned = "morgan_learned"
    /// An inductive encoder: MLP over Morgan bits (`fingerprintBits` → `fingerprintHidden` → `embeddingDim`), so
    /// molecules never seen in training get an embedding from their structure.
    case fingerprintMLP = "fingerprint_mlp"
}

extension CompoundEncoderKind {
    /// The type that implements each kind: the one switch over encoder kinds.
    var encoderType: CompoundEncoder.Type {
        switch self {
        case .learned: return LearnedCompoundTable.self
        case .morganFixed, .morganLearned: return MorganCompoundTable.self
        case .fingerprintMLP: return FingerprintMLPEncoder.self
        }
    }

    /// The encoder of this kind; its parameters draw from `rng` in a fixed order.
    func makeEncoder(config: LPMConfig, vocabularies: Vocabularies, rng: inout SeededRNG) -> CompoundEncoder {
        encoderType.init(kind: self, config: config, vocabularies: vocabularies, rng: &rng)
    }
}

/// Morgan bits of every vocabulary compound; the control, missing and invalid SMILES get nil (zero vector), and
/// the keys of those compounds (Control excluded).
func vocabularyFingerprints(
    _ v: Vocabularies, options: MorganOptions
) -> (fingerprints: [Fingerprint?], zeroKeys: [String]) {
    let result = Morgan.batch(smiles: v.compoundSmiles, options: options, threads: Engine.threads)
    var fps = result.fingerprints
    fps[0] = nil
    var zero: [String] = []
    for i in 1..<fps.count where fps[i] == nil || v.compoundSmiles[i].isEmpty {
        fps[i] = nil; zero.append(v.compounds[i])
    }
    return (fps, zero)
}

/// The table name the reference uses for its compound embedding (`perturb_embedding_layer.weight`).
let compoundTableName = "perturb_embedding_layer.weight"
