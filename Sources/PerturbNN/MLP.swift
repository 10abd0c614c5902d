import PerturbBase
import PerturbTensor

/// Multi-layer perceptron: for each hidden width, Linear → activation → dropout; then a final Linear.
///
/// Layers are named `"<name>.layers.<i>"` (so parameters are `"mlp.layers.0.weight"`, ...). With ReLU the
/// activation is fused into the Linear kernel. Hidden layers use the given initialization (the reference LPM:
/// Xavier uniform with ReLU gain for every layer of the predictor).
public final class MLP: Layer {
    public let layers: [Linear]
    public let activation: Activation
    public let dropoutProbability: Float

    public init(
        name: String = "mlp", inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .relu,
        dropout: Float = 0, initialization: LinearInit = .xavierReLU, rng: inout SeededRNG
    ) {
        precondition(dropout >= 0 && dropout < 1, "MLP dropout must be in [0, 1), got \(dropout)")
        let widths = [inputs] + hidden + [outputs]
        var layers: [Linear] = []
        for i in 0..<(widths.count - 1) {
            let isHidden = i < widths.count - 2
            layers.append(
                Linear(
                    name: "\(name).layers.\(i)", inputs: widths[i], outputs: widths[i + 1],
                    fusedReLU: isHidden && activation == .relu, initialization: initialization, rng: &rng))
        }
        self.layers = layers
        self.activation = activation
        self.dropoutProbability = dropout
    }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    public func callAsFunction(_ x: Var) -> Var { output(hidden(x)) }

    /// Every layer but the last, each followed by its activation and dropout: the representation the output
    /// layer reads (`x` itself when there are no hidden layers). Dropout draws from the graph's `rng` in training.
    public func hidden(_ x: Var) -> Var {
        guard layers.count > 1 else { return x }
        return hidden(afterFirstLayer: layers[0](x))
    }

    /// `hidden(concatParts(parts))` with the first layer reading the parts directly (`concatLinear`: each table
    /// projected once per distinct row instead of once per batch row); the concatenation itself when there is no
    /// hidden layer.
    public func hidden(_ parts: [ConcatPart]) -> Var {
        guard layers.count > 1 else { return concatParts(parts) }
        return hidden(afterFirstLayer: layers[0](parts))
    }

    /// The rest of `hidden` from the first layer's output `first`: its activation (unless fused) and dropout, then
    /// the remaining hidden layers.
    private func hidden(afterFirstLayer first: Var) -> Var {
        var h = first
        for (i, layer) in layers.dropLast().enumerated() {
            if i > 0 { h = layer(h) }
            if !layer.fusedReLU { h = activation.apply(h) }
            if dropoutProbability > 0 { h = dropout(h, p: dropoutProbability) }
        }
        return h
    }

    /// The final layer.
    public var output: Linear { layers[layers.count - 1] }
}
