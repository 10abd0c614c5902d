import PerturbBase
import PerturbNN
import PerturbTensor

/// One network of the reference ensemble: `OP3ReferenceInputs` → the architecture's body (Keras-initialized Dense,
/// `BatchNorm1d` with Keras' momentum and epsilon, ReLU, dropout) → `Dense(n_dim)`, trained with Adam on
/// truncated-SVD coordinates of the targets with the architecture's loss.
///
/// `batchNormMomentum` is Keras' 0.99 when the epochs are the reference's; `OP3ReferenceOptions` raises it to the
/// power 1 / epochs scale for scaled runs, so that the running statistics forget their initial values (mean 0,
/// variance 1) over the same share of the training.
///
/// The optimizer is PerturbNN's `Adam` (PyTorch's update rule) with Keras' epsilon 1e-7; Keras' legacy Adam adds its
/// epsilon after the bias correction, which differs only by the factor sqrt(1 − β₂ᵗ) on epsilon.
final class OP3ReferenceNetwork: Module {
    let spec: OP3ReferenceModelSpec
    let inputs: OP3ReferenceInputs
    let body: Sequential
    let output: Linear

    init(
        spec: OP3ReferenceModelSpec, outputs: Int, cellTypes: Int, compounds: Int, features: CompoundFeatureMatrix?,
        mode: ExternalEmbeddingMode, batchNormMomentum: Float, rng: inout SeededRNG
    ) {
        self.spec = spec
        inputs = OP3ReferenceInputs(
            cellTypes: cellTypes, compounds: compounds, width: spec.embeddingDim,
            features: features, mode: mode, rng: &rng)
        var width = inputs.width
        var layers: [Layer] = []
        for (i, step) in spec.steps.enumerated() {
            switch step {
            case .dense(let n):
                layers.append(
                    Linear(
                        name: "body.\(i)", inputs: width, outputs: n, initialization: .kerasDefault,
                        rng: &rng))
                width = n
            case .batchNorm: layers.append(BatchNorm1d(name: "body.\(i)", features: width, momentum: batchNormMomentum))
            case .relu: layers.append(ActivationLayer(.relu))
            case .dropout(let p): layers.append(Dropout(p))
            }
        }
        body = Sequential(layers)
        output = Linear(name: "output", inputs: width, outputs: outputs, initialization: .kerasDefault, rng: &rng)
    }

    var parameters: [Parameter] { inputs.parameters + body.parameters + output.parameters }

    func callAsFunction(_ batch: OP3Examples, graph: Graph) -> Var {
        output(body(inputs(batch, graph: graph)))
    }

    /// Trains for `epochs` on `data` with targets `coordinates` (row-major `data.count × outputs`); `seed` drives the
    /// shuffles and the dropout masks.
    func fit(_ data: OP3Examples, coordinates: [Float], epochs: Int, seed: UInt64) {
        let k = output.outputs
        precondition(coordinates.count == data.count * k, "OP3ReferenceNetwork.fit: coordinates shape mismatch")
        let optimizer = Adam(parameters: parameters, learningRate: spec.learningRate, epsilon: 1e-7)
        var shuffleRng = SeededRNG.derived(seed: seed, label: "op3-reference-shuffle")
        let loop = OP3TrainingLoop(epochs: epochs, batchSize: spec.batchSize)
        loop.run(
            count: data.count, optimizer: optimizer, shuffle: &shuffleRng,
            dropout: .derived(seed: seed, label: "op3-reference-dropout")
        ) { rows, g in
            var target = [Float](); target.reserveCapacity(rows.count * k)
            for r in rows { target += coordinates[(r * k)..<((r + 1) * k)] }
            let prediction = self(data.subset(rows), graph: g)
            let t = Tensor(shape: [rows.count, k], values: target)
            switch spec.architecture.loss {
            case .mae: return maeLoss(prediction, target: t)
            case .meanRowwiseRMSE: return meanRowwiseRMSELoss(prediction, target: t)
            }
        }
    }

    /// Predicted coordinates of `data` (`data.count × outputs`), in evaluation mode (running BatchNorm statistics,
    /// no dropout).
    func predict(_ data: OP3Examples) -> [Float] {
        guard data.count > 0 else { return [] }
        let graph = Graph(training: false, gradients: false)
        return withExtendedLifetime(graph) { self(data, graph: graph).value.scalars }
    }
}
