import Foundation
import PerturbBase
import PerturbNN
import PerturbTensor

/// How external compound vectors enter the OP3 predictor (the reference's `embedding_layer`).
public enum ExternalEmbeddingMode: String, Codable, Sendable, CaseIterable {
    /// The vectors form a frozen table, projected by a trained `Linear` (`fixed`).
    case fixed
    /// The table starts at the vectors and is fine-tuned (`trainable`). Held-out compounds have no training row, so
    /// their rows keep the external vectors: the representation of an unseen compound is still its descriptor.
    case trainable
    /// The compound's learned embedding and its (fixed) vector are concatenated and projected by a trained `Linear`
    /// (`concat`, without the optional `Dense(256)` on the vectors: `use_fp_dense` is off by default in op3_signatures
    /// `src/methods/nn_retraining_with_pseudolabels_mol_emb/cli.py`).
    case concat
}

/// Settings of the downstream predictor (the reference's Keras model 1 family: 256 → 1024 hidden units on the
/// concatenated cell-type and compound embeddings, dropout 0.2, SVD-compressed targets, Adam).
public struct OP3PredictorOptions: Codable, Sendable, Equatable {
    /// Truncated-SVD components of the targets (the reference's `n_dim`).
    public var components = 50
    /// Width of the cell-type and compound embeddings (`emb_out`).
    public var embeddingDim = 22
    public var hidden = [256, 1024]
    public var dropout: Float = 0.2
    public var epochs = 100
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    /// Ensemble members (differently seeded networks whose predictions are averaged).
    public var ensemble = 2
    public var externalMode = ExternalEmbeddingMode.trainable

    public init() {}
}

/// External compound vectors for the predictor, one row per compound of the task (zero rows where `available` is
/// false; such compounds fall back to a learned embedding).
public struct CompoundFeatureMatrix: Sendable {
    public var name: String
    public var dim: Int
    public var values: [Float]
    public var available: [Bool]

    public init(name: String, dim: Int, values: [Float], available: [Bool]) {
        precondition(values.count == available.count * dim, "CompoundFeatureMatrix \(name): shape mismatch")
        self.name = name
        self.dim = dim
        self.values = values
        self.available = available
    }

    /// The matrix with every column centred and scaled to unit standard deviation over the vectors of `compounds`
    /// that are available (the training compounds: no held-out vector enters the statistics); a column constant
    /// there is only centred. 0/1 matrices (fingerprint bits) share one scale already and are returned unchanged.
    /// Raw continuous vectors mix offsets and scales (an efficacy around 1 beside latents around 0), which the
    /// predictor's small training sets do not learn to undo.
    public func standardized(over compounds: [Int32]) -> CompoundFeatureMatrix {
        guard values.contains(where: { $0 != 0 && $0 != 1 }) else { return self }
        let rows = Set(compounds.map(Int.init)).filter { available[$0] }
        guard !rows.isEmpty else { return self }
        var out = values
        for j in 0..<dim {
            var sum = 0.0, squares = 0.0
            for r in rows { let v = Double(values[r * dim + j]); sum += v; squares += v * v }
            let n = Double(rows.count), mean = sum / n
            let sd = rows.count > 1 ? ((squares - n * mean * mean) / (n - 1)).squareRoot() : 0
            let scale = sd.isFinite && sd > 1e-12 ? 1 / sd : 1
            for r in available.indices where available[r] {
                out[r * dim + j] = Float((Double(values[r * dim + j]) - mean) * scale)
            }
        }
        return CompoundFeatureMatrix(name: name, dim: dim, values: out, available: available)
    }
}

/// Examples of the predictor: a (cell type, compound) index pair per row.
public struct OP3Examples: Sendable {
    public var cellTypes: [Int32]
    public var compounds: [Int32]
    public var count: Int { cellTypes.count }

    public init(cellTypes: [Int32], compounds: [Int32]) {
        precondition(cellTypes.count == compounds.count, "OP3Examples: index lists differ in length")
        self.cellTypes = cellTypes
        self.compounds = compounds
    }

    func subset(_ rows: ArraySlice<Int>) -> OP3Examples {
        OP3Examples(cellTypes: rows.map { cellTypes[$0] }, compounds: rows.map { compounds[$0] })
    }
}

/// The fast OP3 downstream predictor (`--predictor fast`): maps (cell type, compound features) to the per-gene vector.
///
/// Targets are compressed by a truncated SVD fitted on the training targets; an ensemble of MLPs (one seed each)
/// regresses the SVD coordinates with MSE (equal to the squared error of the projected targets, the components
/// being orthonormal); continuous compound vectors are standardized per column over the training compounds
/// (`CompoundFeatureMatrix.standardized(over:)`); predictions are averaged over members, mapped back through the SVD and clipped per gene to
/// the training range. Differences from the reference (`OP3ReferencePredictor`): no BatchNorm, one architecture
/// instead of weighted ensembles of tuned ones, MSE instead of MAE/MRRMSE losses, no pseudo-label second stage.
public enum OP3Predictor {
    /// Trains on the problem's training rows and predicts its held-out rows (`test.count × genes`).
    public static func fitPredict(
        _ problem: OP3PredictionProblem, features: CompoundFeatureMatrix?,
        options: OP3PredictorOptions, seed: UInt64, progressLabel: String? = nil
    ) -> [Float] {
        let (train, targets, genes, test) = (problem.train, problem.targets, problem.genes, problem.test)
        let features = features?.standardized(over: train.compounds)
        let k = min(options.components, train.count, genes)
        let svd = TruncatedSVD(fitting: targets, rows: train.count, cols: genes, rank: k, seed: seed)
        let coordinates = svd.transform(targets, rows: train.count)
        var meanCoordinates = [Float](repeating: 0, count: test.count * k)
        for member in 0..<options.ensemble {
            var memberRng = SeededRNG.derived(seed: seed, label: "op3-member-\(member)")
            let memberSeed = memberRng.next()
            let network = OP3Network(
                cellTypes: problem.cellTypeCount, compounds: problem.compoundCount, outputs: k,
                features: features, options: options, seed: memberSeed)
            network.train(
                train, coordinates: coordinates, options: options, seed: memberSeed,
                label: progressLabel.map { "\($0) member \(member + 1)/\(options.ensemble)" })
            let prediction = network.predict(test)
            for i in meanCoordinates.indices { meanCoordinates[i] += prediction[i] / Float(options.ensemble) }
        }
        var output = svd.inverseTransform(meanCoordinates, rows: test.count)
        GeneRangeClipper(fitting: targets, rows: train.count, genes: genes).clip(&output)
        return output
    }
}

/// One member network: cell-type embedding ⊕ compound representation → MLP → SVD coordinates.
final class OP3Network: Module {
    let cellEmbedding: Embedding
    let compoundEmbedding: Embedding
    let external: (table: Embedding, projection: Linear, missing: [Float])?
    let concatenates: Bool
    let mlp: MLP

    init(
        cellTypes: Int, compounds: Int, outputs: Int, features: CompoundFeatureMatrix?, options: OP3PredictorOptions,
        seed: UInt64
    ) {
        var rng = SeededRNG.derived(seed: seed, label: "op3-init")
        let e = options.embeddingDim
        // Keras' Embedding initializer: uniform(−0.05, 0.05). An untrained row (a held-out compound) stays near zero.
        cellEmbedding = Embedding(
            name: "cell_type", table: .uniform([cellTypes, e], low: -0.05, high: 0.05, rng: &rng))
        compoundEmbedding = Embedding(
            name: "compound", table: .uniform([compounds, e], low: -0.05, high: 0.05, rng: &rng))
        if let f = features {
            precondition(
                f.available.count == compounds,
                "feature matrix \(f.name) has \(f.available.count) rows, expected \(compounds)")
            let table = Embedding(
                name: "external", table: Tensor(shape: [compounds, f.dim], values: f.values),
                frozen: options.externalMode != .trainable)
            let width = f.dim + (options.externalMode == .concat ? e : 0)
            let projection = Linear(name: "external_projection", inputs: width, outputs: e, rng: &rng)
            external = (table, projection, f.available.map { $0 ? 0 : 1 })
        } else {
            external = nil
        }
        concatenates = options.externalMode == .concat
        mlp = MLP(
            name: "mlp", inputs: 2 * e, hidden: options.hidden, outputs: outputs, dropout: options.dropout,
            initialization: .xavierReLU, rng: &rng)
    }

    var parameters: [Parameter] {
        var p = cellEmbedding.parameters + compoundEmbedding.parameters + mlp.parameters
        if let x = external { p += x.table.parameters + x.projection.parameters }
        return p
    }

    func forward(_ batch: OP3Examples, graph g: Graph) -> Var {
        let cell = cellEmbedding(batch.cellTypes, graph: g)
        var compound = compoundEmbedding(batch.compounds, graph: g)
        if let x = external {
            let vectors = x.table(batch.compounds, graph: g)
            let projected = x.projection(concatenates ? concat([compound, vectors]) : vectors)
            let missing = batch.compounds.map { x.missing[Int($0)] }
            compound =
                missing.contains(1)
                ? projected + compound * g.input(Tensor(shape: [batch.count, 1], values: missing))
                : projected
        }
        return mlp(concat([cell, compound]))
    }

    func train(_ data: OP3Examples, coordinates: [Float], options: OP3PredictorOptions, seed: UInt64, label: String?) {
        let k = coordinates.count / max(data.count, 1)
        let optimizer = Adam(parameters: parameters, learningRate: options.learningRate)
        var shuffleRng = SeededRNG.derived(seed: seed, label: "op3-shuffle")
        let progress = label.map { ProgressReporter(label: $0, unit: "epochs", total: options.epochs) }
        let loop = OP3TrainingLoop(epochs: options.epochs, batchSize: options.batchSize)
        loop.run(
            count: data.count, optimizer: optimizer, shuffle: &shuffleRng,
            dropout: .derived(seed: seed, label: "op3-dropout"),
            epochEnded: { epoch, loss in
                progress?.update(done: epoch, fields: [("loss", String(format: "%.4f", loss))])
            }
        ) { rows, g in
            var target = [Float](); target.reserveCapacity(rows.count * k)
            for r in rows { target += coordinates[(r * k)..<((r + 1) * k)] }
            let prediction = forward(data.subset(rows), graph: g)
            return mseLoss(prediction, target: Tensor(shape: [rows.count, k], values: target))
        }
        progress?.finish(done: options.epochs)
    }

    func predict(_ data: OP3Examples) -> [Float] {
        guard data.count > 0 else { return [] }
        let g = Graph(training: false)
        return forward(data, graph: g).value.scalars
    }
}
