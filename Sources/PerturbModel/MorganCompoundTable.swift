import PerturbBase
import PerturbChem
import PerturbNN
import PerturbTensor

/// `morgan_fixed` / `morgan_learned`: a table whose row for a compound is its Morgan bit vector (radius
/// `morgan_radius`, `embedding_dim` bits; zero for the control and for missing or invalid SMILES), frozen or used as
/// the initialization of a learned table; a set's vector is the mean of its rows. The frozen table embeds a molecule
/// outside the vocabulary as its own bit vector (`CompoundSets.extraFingerprints`).
final class MorganCompoundTable: CompoundEncoder {
    /// `[compounds, D]`.
    let table: Parameter
    let zeroFingerprintKeys: [String]
    let newMoleculeFingerprint: MorganOptions?

    /// `morgan_learned` trains the table; `morgan_fixed` freezes it. Draws nothing from `rng`.
    init(kind: CompoundEncoderKind, config: LPMConfig, vocabularies: Vocabularies, rng: inout SeededRNG) {
        let trainable = kind == .morganLearned
        let n = vocabularies.compounds.count, d = config.embeddingDim
        let options = MorganOptions(radius: config.morganRadius, bits: d)
        let (fingerprints, zero) = vocabularyFingerprints(vocabularies, options: options)
        var values = [Float](repeating: 0, count: n * d)
        for (i, fp) in fingerprints.enumerated() { if let fp { for bit in fp.onBits { values[i * d + bit] = 1 } } }
        table = Parameter(name: compoundTableName, value: Tensor(shape: [n, d], values: values), frozen: !trainable)
        zeroFingerprintKeys = zero
        newMoleculeFingerprint = trainable ? nil : options
    }

    static func parameterCount(config: LPMConfig, vocabularies: Vocabularies) -> Double {
        Double(vocabularies.compounds.count) * Double(config.embeddingDim)
    }

    var parameters: [Parameter] { [table] }

    func encode(_ sets: CompoundSets, graph: Graph) -> Var {
        guard !sets.extraFingerprints.isEmpty else {
            return embeddingBagMean(graph.parameter(table), offsets: sets.offsets, indices: sets.indices)
        }
        // New molecules (frozen table only, no gradient): their bit vectors appended below the vocabulary's rows.
        let d = table.value.shape[1]
        var rows = [Float](repeating: 0, count: sets.extraFingerprints.count * d)
        for (i, fp) in sets.extraFingerprints.enumerated() { for bit in fp.onBits { rows[i * d + bit] = 1 } }
        let extended = Tensor(
            shape: [table.value.shape[0] + sets.extraFingerprints.count, d], values: table.value.scalars + rows)
        return embeddingBagMean(graph.input(extended), offsets: sets.offsets, indices: sets.indices)
    }
}
