import PerturbBase
import PerturbTensor

/// How a `Linear` layer's weights and bias are initialized.
public enum LinearInit: Equatable {
    /// Xavier/Glorot uniform weights U(−a, a), a = gain·sqrt(6 / (in + out)); bias keeps PyTorch's default
    /// U(−1/sqrt(in), 1/sqrt(in)). The reference LPM uses gain sqrt(2) (ReLU).
    case xavierUniform(gain: Float)
    /// PyTorch's `nn.Linear` default: weight and bias U(−1/sqrt(in), 1/sqrt(in)).
    case pytorchDefault
    /// Keras' `Dense` default: Glorot uniform weights U(−a, a), a = sqrt(6 / (in + out)), and a zero bias.
    case kerasDefault

    /// Xavier uniform with the ReLU gain sqrt(2).
    public static let xavierReLU = LinearInit.xavierUniform(gain: Float(2).squareRoot())
}

/// Affine layer `y = x · Wᵀ + b` with weight `[out, in]` (PyTorch layout), optionally fused with ReLU.
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    /// Applies ReLU inside the same kernel (one pass over the output, no extra tape node).
    public let fusedReLU: Bool

    /// Creates the layer with parameters named `"<name>.weight"` and `"<name>.bias"`, drawn from `rng`.
    public init(
        name: String, inputs: Int, outputs: Int, bias: Bool = true, fusedReLU: Bool = false,
        initialization: LinearInit = .pytorchDefault, rng: inout SeededRNG
    ) {
        precondition(inputs > 0 && outputs > 0, "Linear \(name) needs positive sizes, got \(inputs)→\(outputs)")
        let fanBound = 1 / Float(inputs).squareRoot(), glorotBound = (6 / Float(inputs + outputs)).squareRoot()
        let weightBound: Float, biasBound: Float
        switch initialization {
        case .xavierUniform(let gain): (weightBound, biasBound) = (gain * glorotBound, fanBound)
        case .pytorchDefault: (weightBound, biasBound) = (fanBound, fanBound)
        case .kerasDefault: (weightBound, biasBound) = (glorotBound, 0)
        }
        weight = Parameter(
            name: "\(name).weight",
            value: .uniform([outputs, inputs], low: -weightBound, high: weightBound, rng: &rng))
        self.bias =
            bias
            ? Parameter(
                name: "\(name).bias",
                value: biasBound == 0
                    ? .zeros([outputs])
                    : .uniform([outputs], low: -biasBound, high: biasBound, rng: &rng)) : nil
        self.fusedReLU = fusedReLU
    }

    public var inputs: Int { weight.shape[1] }
    public var outputs: Int { weight.shape[0] }
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// Applies the layer.
    public func callAsFunction(_ x: Var) -> Var {
        let g = x.graph
        return linear(x, weight: g.parameter(weight), bias: bias.map { g.parameter($0) }, relu: fusedReLU)
    }

    /// The layer applied to the concatenation `parts` describe, without forming it (`concatLinear`).
    public func callAsFunction(_ parts: [ConcatPart]) -> Var {
        let g = parts[0].graph
        return concatLinear(parts, weight: g.parameter(weight), bias: bias.map { g.parameter($0) }, relu: fusedReLU)
    }
}
