import PerturbBase
import PerturbNN
import PerturbTensor

/// The input of a reference network: the cell-type embedding ⊕ the compound representation, `[batch, 2·emb_out]`,
/// as `_make_inputs` of theislab/op3_signatures
/// `src/methods/nn_retraining_with_pseudolabels_mol_emb_learning_missed/notebook_264.py` builds it:
/// - no vectors (`none`): separate learned `Embedding(vocabulary, emb_out)` tables for cell types and compounds;
/// - `fixed` / `trainable`: the compound vectors as an embedding table (frozen / fine-tuned) → `Dense(emb_out)`;
/// - `concat`: the learned compound embedding ⊕ the compound vector (a fixed input) → `Dense(emb_out)`.
/// With vectors, a compound without one falls back to its learned embedding (the frozen 0/1 `fp_mask`).
/// Embeddings start as Keras' (uniform ±0.05), Dense layers as Keras' (Glorot uniform, zero bias).
final class OP3ReferenceInputs: Module {
    let cellEmbedding: Embedding
    let compoundEmbedding: Embedding
    let external: (table: Embedding, projection: Linear, available: [Float])?
    let concatenates: Bool

    init(
        cellTypes: Int, compounds: Int, width: Int, features: CompoundFeatureMatrix?, mode: ExternalEmbeddingMode,
        rng: inout SeededRNG
    ) {
        cellEmbedding = Embedding(
            name: "cell_embedding",
            table: .uniform(
                [cellTypes, width], low: -0.05, high: 0.05,
                rng: &rng))
        compoundEmbedding = Embedding(
            name: "sm_embedding",
            table: .uniform(
                [compounds, width], low: -0.05,
                high: 0.05, rng: &rng))
        concatenates = mode == .concat
        if let f = features {
            precondition(
                f.available.count == compounds,
                "feature matrix \(f.name) has \(f.available.count) rows, expected \(compounds)")
            let table = Embedding(
                name: "sm_embedding_fp", table: Tensor(shape: [compounds, f.dim], values: f.values),
                frozen: mode != .trainable)
            let projection = Linear(
                name: "sm_projection", inputs: f.dim + (concatenates ? width : 0),
                outputs: width, initialization: .kerasDefault, rng: &rng)
            external = (table, projection, f.available.map { $0 ? 1 : 0 })
        } else {
            external = nil
        }
    }

    /// Width of the output (`2·emb_out`).
    var width: Int { 2 * cellEmbedding.dim }

    var parameters: [Parameter] {
        [cellEmbedding, compoundEmbedding].flatMap(\.parameters)
            + (external.map { $0.table.parameters + $0.projection.parameters } ?? [])
    }

    func callAsFunction(_ batch: OP3Examples, graph g: Graph) -> Var {
        let cell = cellEmbedding(batch.cellTypes, graph: g)
        let learned = compoundEmbedding(batch.compounds, graph: g)
        guard let x = external else { return concat([cell, learned]) }
        let vectors = x.table(batch.compounds, graph: g)
        let projected = x.projection(concatenates ? concat([learned, vectors]) : vectors)
        let mask = batch.compounds.map { x.available[Int($0)] }
        guard mask.contains(0) else { return concat([cell, projected]) }
        // mask · projected + (1 − mask) · learned, per row.
        let m = g.input(Tensor(shape: [batch.count, 1], values: mask))
        let rest = g.input(Tensor(shape: [batch.count, 1], values: mask.map { 1 - $0 }))
        return concat([cell, projected * m + learned * rest])
    }
}
