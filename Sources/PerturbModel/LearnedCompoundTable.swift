import PerturbBase
import PerturbChem
import PerturbNN
import PerturbTensor

/// `learned` (the reference default): a table with one row per vocabulary compound, N(0, 1) init; a set's vector
/// is the mean of its rows (PyTorch `EmbeddingBag(mode="mean")`).
final class LearnedCompoundTable: CompoundEncoder {
    /// `[compounds, D]`.
    let table: Parameter

    init(kind: CompoundEncoderKind, config: LPMConfig, vocabularies: Vocabularies, rng: inout SeededRNG) {
        let shape = [vocabularies.compounds.count, config.embeddingDim]
        table = Parameter(name: compoundTableName, value: .normal(shape, rng: &rng))
    }

    static func parameterCount(config: LPMConfig, vocabularies: Vocabularies) -> Double {
        Double(vocabularies.compounds.count) * Double(config.embeddingDim)
    }

    var parameters: [Parameter] { [table] }
    var zeroFingerprintKeys: [String] { [] }
    var newMoleculeFingerprint: MorganOptions? { nil }

    func encode(_ sets: CompoundSets, graph: Graph) -> Var {
        embeddingBagMean(graph.parameter(table), offsets: sets.offsets, indices: sets.indices)
    }
}
