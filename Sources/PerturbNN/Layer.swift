import PerturbTensor

/// A building block of a network mapping one variable to another.
///
/// A layer that needs randomness in training (dropout) draws it from `x.graph` (`Graph.rng`); none takes a generator.
public protocol Layer: Module {
    /// Records the layer's computation on `x`'s graph.
    func callAsFunction(_ x: Var) -> Var
}

/// Layers applied one after another.
public final class Sequential: Layer {
    public let layers: [Layer]
    public init(_ layers: [Layer]) { self.layers = layers }
    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }
    public func callAsFunction(_ x: Var) -> Var { layers.reduce(x) { $1($0) } }
}

/// An elementwise activation as a layer.
public final class ActivationLayer: Layer {
    public let activation: Activation
    public init(_ activation: Activation) { self.activation = activation }
    public var parameters: [Parameter] { [] }
    public func callAsFunction(_ x: Var) -> Var { activation.apply(x) }
}

/// Inverted dropout as a layer (identity when the graph is in evaluation mode; in training it draws from the graph's
/// `rng`).
public final class Dropout: Layer {
    public let probability: Float
    public init(_ probability: Float) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1), got \(probability)")
        self.probability = probability
    }
    public var parameters: [Parameter] { [] }
    public func callAsFunction(_ x: Var) -> Var { dropout(x, p: probability) }
}

extension Array where Element == Parameter {
    /// Parameters by name; duplicate names are a programming error.
    public func byName() -> [String: Parameter] {
        var result: [String: Parameter] = [:]
        for p in self {
            precondition(result[p.name] == nil, "duplicate parameter name '\(p.name)'")
            result[p.name] = p
        }
        return result
    }

    /// Total number of scalars.
    public var scalarCount: Int { reduce(0) { $0 + $1.value.count } }
}
