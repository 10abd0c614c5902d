import PerturbBase
import PerturbChem
import PerturbNN
import PerturbTensor

/// `fingerprint_mlp` (inductive): an MLP (`fingerprint_bits` → `fingerprint_hidden` → `embedding_dim`, ReLU, Xavier)
/// over the mean Morgan bit vector of a set, so molecules outside the vocabulary get an embedding from their
/// structure (`CompoundSets.extraFingerprints`).
final class FingerprintMLPEncoder: CompoundEncoder {
    /// `compound_encoder.layers.*`.
    let network: MLP
    /// Morgan bits of every vocabulary compound (nil = zero vector).
    let fingerprints: [Fingerprint?]
    /// The fingerprint new molecules must be given with.
    let options: MorganOptions
    let zeroFingerprintKeys: [String]

    init(kind: CompoundEncoderKind, config: LPMConfig, vocabularies: Vocabularies, rng: inout SeededRNG) {
        options = MorganOptions(radius: config.morganRadius, bits: config.fingerprintBits)
        (fingerprints, zeroFingerprintKeys) = vocabularyFingerprints(vocabularies, options: options)
        network = MLP(
            name: "compound_encoder", inputs: config.fingerprintBits, hidden: [config.fingerprintHidden],
            outputs: config.embeddingDim, dropout: 0, initialization: .xavierReLU, rng: &rng)
    }

    static func parameterCount(config: LPMConfig, vocabularies: Vocabularies) -> Double {
        let bits = Double(config.fingerprintBits), hidden = Double(config.fingerprintHidden)
        return bits * hidden + hidden + hidden * Double(config.embeddingDim) + Double(config.embeddingDim)
    }

    var parameters: [Parameter] { network.parameters }
    var newMoleculeFingerprint: MorganOptions? { options }

    func encode(_ sets: CompoundSets, graph: Graph) -> Var {
        let bits = options.bits
        var x = Tensor(shape: [sets.count, bits], repeating: 0)
        let xp = x.mutablePointer()
        for s in 0..<sets.count {
            let lo = Int(sets.offsets[s]), hi = Int(sets.offsets[s + 1])
            guard hi > lo else { continue }
            let w = 1 / Float(hi - lo)
            for k in lo..<hi {
                let code = Int(sets.indices[k])
                let fp =
                    code < fingerprints.count ? fingerprints[code] : sets.extraFingerprints[code - fingerprints.count]
                for bit in fp?.onBits ?? [] { xp[s * bits + bit] += w }
            }
        }
        return network(graph.input(x))
    }
}
