import PerturbBase
import PerturbTensor

/// A lookup table `[count, dim]`, initialized N(0, 1) as PyTorch's `nn.Embedding`; parameter `"<name>.weight"`.
/// Set `weight.frozen` to keep the table fixed (then backward does no scatter-add for it).
public final class Embedding: Module {
    public let weight: Parameter

    public init(name: String, count: Int, dim: Int, rng: inout SeededRNG) {
        precondition(count > 0 && dim > 0, "Embedding \(name) needs positive sizes, got \(count)×\(dim)")
        weight = Parameter(name: "\(name).weight", value: .normal([count, dim], rng: &rng))
    }

    /// Wraps an existing table (for example Morgan fingerprints or a pretrained checkpoint).
    public init(name: String, table: Tensor, frozen: Bool = false) {
        precondition(table.shape.count == 2, "Embedding \(name) table must be [count, dim], got \(table.shape)")
        weight = Parameter(name: "\(name).weight", value: table, frozen: frozen)
    }

    public var count: Int { weight.shape[0] }
    public var dim: Int { weight.shape[1] }
    public var parameters: [Parameter] { [weight] }

    /// Rows `indices` of the table as a `[indices.count, dim]` variable on `graph`.
    public func callAsFunction(_ indices: [Int32], graph: Graph) -> Var {
        embedding(graph.parameter(weight), indices: indices)
    }
}

/// Mean of a variable number of table rows per example (PyTorch `nn.EmbeddingBag(mode="mean")`), for
/// multi-compound perturbations. Parameter `"<name>.weight"`, initialized N(0, 1).
public final class EmbeddingBag: Module {
    public let weight: Parameter

    public init(name: String, count: Int, dim: Int, rng: inout SeededRNG) {
        precondition(count > 0 && dim > 0, "EmbeddingBag \(name) needs positive sizes, got \(count)×\(dim)")
        weight = Parameter(name: "\(name).weight", value: .normal([count, dim], rng: &rng))
    }

    public init(name: String, table: Tensor, frozen: Bool = false) {
        precondition(table.shape.count == 2, "EmbeddingBag \(name) table must be [count, dim], got \(table.shape)")
        weight = Parameter(name: "\(name).weight", value: table, frozen: frozen)
    }

    public var count: Int { weight.shape[0] }
    public var dim: Int { weight.shape[1] }
    public var parameters: [Parameter] { [weight] }

    /// Bag `i` is `indices[offsets[i]..<offsets[i+1]]` (`offsets` has one more entry than there are bags).
    public func callAsFunction(offsets: [Int32], indices: [Int32], graph: Graph) -> Var {
        embeddingBagMean(graph.parameter(weight), offsets: offsets, indices: indices)
    }
}
