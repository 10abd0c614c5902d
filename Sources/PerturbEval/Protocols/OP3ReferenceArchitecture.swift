import Foundation

/// One of the eight Keras networks of the OP3 method `nn_retraining_with_pseudolabels` (`model_1` … `model_8` of
/// `src/methods/nn_retraining_with_pseudolabels/notebook_264.py` and `notebook_266.py` in
/// openproblems-bio/task_perturbation_prediction, MIT): the layers between the embedding input and the final
/// `Dense(n_dim)`, and the loss.
public enum OP3ReferenceArchitecture: Int, Sendable, CaseIterable {
    case model1 = 1, model2, model3, model4, model5, model6, model7, model8

    /// A layer of the body.
    public enum Step: Equatable, Sendable {
        case dense(Int), batchNorm, relu, dropout(Float)
    }

    /// The training loss: Keras `"mae"` (models 1–4) or `custom_mean_rowwise_rmse` (models 5–8).
    public enum Loss: String, Sendable {
        case mae
        case meanRowwiseRMSE = "mean_rowwise_rmse"
    }

    public var loss: Loss { rawValue <= 4 ? .mae : .meanRowwiseRMSE }

    /// The body for hidden widths `dense` and dropout rates `dropout` (as many as the model's `dense_i`/`dropout_i`;
    /// models 1 and 5 have fixed widths 256 and 1024, model 1 also fixed rates 0.2).
    public func steps(dense: [Int], dropout: [Float]) -> [Step] {
        precondition(
            dense.count == dropout.count && dense.count == hiddenLayers,
            "OP3 reference \(self) has \(hiddenLayers) hidden layers, got \(dense.count) widths and "
                + "\(dropout.count) rates")
        switch self {
        case .model1, .model2:
            // Dense → BN → ReLU → Dropout, then Dense(relu) → BN → Dropout. Model 2's second
            // Activation("relu") after Dense(activation="relu") is the identity and left out.
            return [
                .dense(dense[0]), .batchNorm, .relu, .dropout(dropout[0]),
                .dense(dense[1]), .relu, .batchNorm, .dropout(dropout[1]),
            ]
        case .model6:
            // BN on the embeddings, Dense → ReLU → Dropout, Dense → BN → ReLU → Dropout. The reference uses
            // `dropout_2` for both dropouts (its `dropout_1` is tuned but unused); so does this port.
            return [
                .batchNorm, .dense(dense[0]), .relu, .dropout(dropout[1]),
                .dense(dense[1]), .batchNorm, .relu, .dropout(dropout[1]),
            ]
        case .model3, .model4, .model5, .model7, .model8:
            return zip(dense, dropout).flatMap { [Step.dense($0), .batchNorm, .relu, .dropout($1)] }
        }
    }

    /// Number of hidden Dense layers.
    public var hiddenLayers: Int {
        switch self {
        case .model1, .model2, .model5, .model6: return 2
        case .model4, .model8: return 3
        case .model3, .model7: return 4
        }
    }
}

/// The tuned hyper-parameters of one network of the reference ensemble (Optuna values of the OP3 notebooks).
public struct OP3ReferenceModelSpec: Sendable, Equatable {
    public var architecture: OP3ReferenceArchitecture
    public var epochs: Int
    /// Mini-batch size (`bs`).
    public var batchSize: Int
    public var learningRate: Float
    /// Width of the cell-type and compound embeddings (`emb_out`).
    public var embeddingDim: Int
    /// Truncated-SVD components of the targets (`n_dim`), capped by the data's rank.
    public var components: Int
    /// Hidden widths (`dense_i`) and dropout rates (`dropout_i`).
    public var dense: [Int]
    public var dropout: [Float]

    public init(
        _ architecture: OP3ReferenceArchitecture, epochs: Int, batch: Int, lr: Float, embedding: Int,
        components: Int, dense: [Int], dropout: [Float]
    ) {
        precondition(
            dense.count == architecture.hiddenLayers && dropout.count == dense.count,
            "OP3 reference \(architecture) needs \(architecture.hiddenLayers) widths and dropout rates")
        self.architecture = architecture
        self.epochs = epochs
        self.batchSize = batch
        self.learningRate = lr
        self.embeddingDim = embedding
        self.components = components
        self.dense = dense
        self.dropout = dropout
    }

    /// The body of the network.
    public var steps: [OP3ReferenceArchitecture.Step] { architecture.steps(dense: dense, dropout: dropout) }
}
