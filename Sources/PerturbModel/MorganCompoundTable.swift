import PerturbChem
import PerturbNN
import PerturbTensor

/// `morgan_fixed` / `morgan_learned`: a table whose row for a compound is its Morgan bit vector (radius
/// `morgan_radius`, `embedding_dim` bits; zero for the control and for missing or invalid SMILES), frozen or used as
/// the initialization of a learned table; a set's vector is the mean of its rows.
final class MorganCompoundTable: CompoundEncoder {
    /// `[compounds, D]`.
    let table: Parameter
    let zeroFingerprintKeys: [String]

    init(config: LPMConfig, vocabularies: Vocabularies, trainable: Bool) {
        let n = vocabularies.compounds.count, d = config.embeddingDim
        let (fingerprints, zero) = vocabularyFingerprints(vocabularies, options: MorganOptions(radius: config.morganRadius, bits: d))
        var values = [Float](repeating: 0, count: n * d)
        for (i, fp) in fingerprints.enumerated() { if let fp { for bit in fp.onBits { values[i * d + bit] = 1 } } }
        table = Parameter(name: compoundTableName, value: Tensor(shape: [n, d], values: values), frozen: !trainable)
        zeroFingerprintKeys = zero
    }

    var parameters: [Parameter] { [table] }

    func encode(_ sets: CompoundSets, graph: Graph) -> Var {
        embeddingBagMean(graph.parameter(table), offsets: sets.offsets, indices: sets.indices)
    }
}
