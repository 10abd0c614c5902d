import PerturbTensor

/// Batch normalization of `[rows, features]` inputs with Keras' `BatchNormalization` defaults: gamma 1, beta 0,
/// epsilon 1e-3, running mean 0 and variance 1 updated as `running = momentum · running + (1 − momentum) · batch`
/// with momentum 0.99 (PyTorch's `BatchNorm1d` defaults are eps 1e-5 and, in its convention, momentum 0.1 on the
/// batch).
///
/// In a training graph the layer normalizes with the batch mean and biased variance (`batchNorm`) and updates the
/// running statistics (with the biased variance, as Keras does for 2-D inputs); in an evaluation graph it applies the
/// running statistics. Parameters `"<name>.gamma"` and `"<name>.beta"`; the running statistics are state, not
/// parameters (no gradient, no optimizer update).
public final class BatchNorm1d: Layer {
    public let gamma: Parameter
    public let beta: Parameter
    public let momentum: Float
    public let epsilon: Float
    /// Running mean and (biased) variance, `[features]`.
    public private(set) var runningMean: Tensor
    public private(set) var runningVariance: Tensor

    /// Creates the layer for `features` columns.
    public init(name: String, features: Int, momentum: Float = 0.99, epsilon: Float = 1e-3) {
        precondition(features > 0, "BatchNorm1d \(name) needs a positive feature count, got \(features)")
        precondition(momentum >= 0 && momentum <= 1, "BatchNorm1d \(name): momentum must be in [0, 1], got \(momentum)")
        precondition(epsilon > 0, "BatchNorm1d \(name): epsilon must be positive, got \(epsilon)")
        gamma = Parameter(name: "\(name).gamma", value: Tensor(shape: [features], repeating: 1))
        beta = Parameter(name: "\(name).beta", value: .zeros([features]))
        self.momentum = momentum
        self.epsilon = epsilon
        runningMean = .zeros([features])
        runningVariance = Tensor(shape: [features], repeating: 1)
    }

    public var features: Int { gamma.shape[0] }
    public var parameters: [Parameter] { [gamma, beta] }

    /// Normalizes `x` (batch statistics and a running-statistics update in training, running statistics otherwise).
    public func callAsFunction(_ x: Var) -> Var {
        let g = x.graph
        precondition(x.value.cols == features, "BatchNorm1d: input \(x.shape) does not have \(features) columns")
        guard g.isTraining else {
            let rstd = runningVariance.scalars.map { 1 / ($0 + epsilon).squareRoot() }
            let scale = g.parameter(gamma) * g.input(Tensor(shape: [features], values: rstd))
            return (x - g.input(runningMean)) * scale + g.parameter(beta)
        }
        let (y, mean, variance) = batchNorm(x, gamma: g.parameter(gamma), beta: g.parameter(beta), eps: epsilon)
        let keep = momentum, take = 1 - momentum
        runningMean = Tensor(shape: [features], values: zip(runningMean.scalars, mean).map { keep * $0 + take * $1 })
        runningVariance = Tensor(
            shape: [features],
            values: zip(runningVariance.scalars, variance).map { keep * $0 + take * $1 })
        return y
    }
}
