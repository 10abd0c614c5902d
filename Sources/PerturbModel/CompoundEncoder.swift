import PerturbBase
import PerturbChem
import PerturbNN
import PerturbTensor

/// Distinct compound sets of a batch, CSR style: set `i` holds compound codes `indices[offsets[i]..<offsets[i+1]]`.
/// Codes at or above the vocabulary size refer to `extraFingerprints` (molecules outside the vocabulary, for the
/// inductive `fingerprint_mlp` encoder only).
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

/// Turns compound sets into perturbation vectors `[sets, D]`: the mean of table rows (learned or Morgan tables,
/// PyTorch `EmbeddingBag(mode="mean")`), or an MLP over the mean Morgan bit vector (`fingerprint_mlp`).
final class CompoundEncoder: Module {
    let kind: CompoundEncoderKind
    /// `perturb_embedding_layer.weight` `[compounds, D]` for the table kinds.
    let table: Parameter?
    /// `compound_encoder` MLP for `fingerprint_mlp`.
    let network: MLP?
    /// Morgan bits of every vocabulary compound for `fingerprint_mlp` (nil = zero vector).
    let fingerprints: [Fingerprint?]
    let fingerprintOptions: MorganOptions
    /// Vocabulary compounds whose fingerprint is the zero vector (no SMILES or invalid SMILES), excluding Control.
    let zeroFingerprintKeys: [String]

    init(config: LPMConfig, vocabularies: Vocabularies, rng: inout SeededRNG) {
        kind = config.compoundEncoder
        let n = vocabularies.compounds.count, d = config.embeddingDim
        switch kind {
        case .learned:
            table = Parameter(name: "perturb_embedding_layer.weight", value: .normal([n, d], rng: &rng))
            network = nil
            fingerprints = []
            fingerprintOptions = MorganOptions(radius: config.morganRadius, bits: d)
            zeroFingerprintKeys = []
        case .morganFixed, .morganLearned:
            let options = MorganOptions(radius: config.morganRadius, bits: d)
            let (fps, zero) = CompoundEncoder.fingerprints(vocabularies, options: options)
            var values = [Float](repeating: 0, count: n * d)
            for (i, fp) in fps.enumerated() { if let fp { for bit in fp.onBits { values[i * d + bit] = 1 } } }
            table = Parameter(name: "perturb_embedding_layer.weight", value: Tensor(shape: [n, d], values: values),
                              frozen: kind == .morganFixed)
            network = nil
            fingerprints = []
            fingerprintOptions = options
            zeroFingerprintKeys = zero
        case .fingerprintMLP:
            let options = MorganOptions(radius: config.morganRadius, bits: config.fingerprintBits)
            (fingerprints, zeroFingerprintKeys) = CompoundEncoder.fingerprints(vocabularies, options: options)
            table = nil
            network = MLP(name: "compound_encoder", inputs: config.fingerprintBits, hidden: [config.fingerprintHidden],
                          outputs: d, dropout: 0, initialization: .xavierReLU, rng: &rng)
            fingerprintOptions = options
        }
    }

    /// Morgan bits of every vocabulary compound; the control, missing and invalid SMILES get nil (zero vector).
    static func fingerprints(_ v: Vocabularies, options: MorganOptions) -> ([Fingerprint?], [String]) {
        let result = Morgan.batch(smiles: v.compoundSmiles, options: options, threads: Engine.threads)
        var fps = result.fingerprints
        fps[0] = nil
        var zero: [String] = []
        for i in 1..<fps.count where fps[i] == nil || v.compoundSmiles[i].isEmpty { fps[i] = nil; zero.append(v.compounds[i]) }
        return (fps, zero)
    }

    var parameters: [Parameter] { (table.map { [$0] } ?? []) + (network?.parameters ?? []) }

    /// The `[sets, D]` perturbation vectors of `sets` on `graph`.
    func encode(_ sets: CompoundSets, graph: Graph) -> Var {
        if let table {
            return embeddingBagMean(graph.parameter(table), offsets: sets.offsets, indices: sets.indices)
        }
        let bits = fingerprintOptions.bits
        var x = Tensor(shape: [sets.count, bits], repeating: 0)
        let xp = x.mutablePointer()
        for s in 0..<sets.count {
            let lo = Int(sets.offsets[s]), hi = Int(sets.offsets[s + 1])
            guard hi > lo else { continue }
            let w = 1 / Float(hi - lo)
            for k in lo..<hi {
                let code = Int(sets.indices[k])
                let fp = code < fingerprints.count ? fingerprints[code] : sets.extraFingerprints[code - fingerprints.count]
                for bit in fp?.onBits ?? [] { xp[s * bits + bit] += w }
            }
        }
        var unused = SeededRNG(seed: 0)
        return network!(graph.input(x), rng: &unused)
    }
}
