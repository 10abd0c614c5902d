import PerturbBase

/// A reverse-mode autodiff tape.
///
/// Each operation appends a node holding its value and a closure that turns the node's gradient into gradients
/// of its inputs. `backward(_:)` runs the closures in reverse order from a scalar. Parameters enter through
/// `parameter(_:)` and receive their gradients in `Parameter.grad` (accumulated). Use one graph per training step,
/// or call `reset()` between steps: nothing recorded survives a reset.
///
/// The randomness of a step lives here too: a training graph that runs dropout is created with an `rng`, and each
/// dropout call draws its seed from it, so no forward signature carries a generator. The caller takes `rng` back
/// after the step to continue (and checkpoint) the stream; an evaluation graph needs none.
public final class Graph {
    /// Turns the gradient of a node's output (owned, may be modified in place) into gradients of its inputs.
    public typealias Backward = (_ graph: Graph, _ outputGrad: inout Tensor) -> Void

    struct Node {
        var value: Tensor
        var grad: Tensor?
        var requiresGrad: Bool
        var parameter: Parameter?
        var backward: Backward?
    }

    private static let placeholder = Tensor(shape: [0], values: [])
    var nodes: [Node] = []
    /// Training mode enables dropout; evaluation mode makes dropout the identity.
    public var isTraining: Bool
    /// When false, nothing requires a gradient: no backward closures are recorded (fast inference).
    public let recordsGradients: Bool
    /// The stream random operations of a training graph draw from (`nextSeed`), advanced by every draw; nil when
    /// nothing random runs (evaluation graphs, training without dropout). `reset()` keeps it.
    public var rng: SeededRNG?

    /// A graph in training (dropout active) or evaluation mode; `gradients: false` for inference-only graphs;
    /// `rng` is the randomness dropout draws from in training.
    public init(training: Bool = true, gradients: Bool = true, rng: SeededRNG? = nil) {
        isTraining = training
        recordsGradients = gradients
        self.rng = rng
    }

    /// Forgets every node (values, gradients, closures) so the graph can record the next step; `rng` stays.
    public func reset() { nodes.removeAll(keepingCapacity: true) }

    /// The next 64-bit seed of `rng`, for a random operation (`op` names it in the failure). Drawing from a graph
    /// without randomness is a programming error: create training graphs that run dropout with
    /// `Graph(training: true, rng:)`.
    public func nextSeed(for op: String) -> UInt64 {
        precondition(
            rng != nil,
            "\(op) on a training graph without randomness: create it with Graph(training: true, rng: …)")
        return rng!.next()
    }

    /// Number of recorded nodes.
    public var nodeCount: Int { nodes.count }

    // MARK: Leaves

    /// A constant input (or, with `requiresGrad`, an input whose gradient is kept and readable via `grad(_:)`).
    public func input(_ value: Tensor, requiresGrad: Bool = false) -> Var {
        nodes.append(
            Node(
                value: value, grad: nil, requiresGrad: requiresGrad && recordsGradients,
                parameter: nil, backward: nil))
        return Var(graph: self, id: nodes.count - 1)
    }

    /// A parameter leaf: reads `parameter.value` and accumulates into `parameter.grad` unless it is frozen.
    public func parameter(_ parameter: Parameter) -> Var {
        nodes.append(
            Node(
                value: Graph.placeholder, grad: nil, requiresGrad: !parameter.frozen && recordsGradients,
                parameter: parameter, backward: nil))
        return Var(graph: self, id: nodes.count - 1)
    }

    /// Records an operation result. `backward` is dropped when no input requires a gradient.
    public func record(_ value: Tensor, inputs: [Var], backward: @escaping Backward) -> Var {
        precondition(inputs.allSatisfy { $0.graph === self }, "an operation mixes variables of different graphs")
        let needs = inputs.contains { nodes[$0.id].requiresGrad }
        nodes.append(
            Node(
                value: value, grad: nil, requiresGrad: needs,
                parameter: nil, backward: needs ? backward : nil))
        return Var(graph: self, id: nodes.count - 1)
    }

    // MARK: Access

    /// Value of a node.
    public func value(_ v: Var) -> Tensor {
        let node = nodes[v.id]
        return node.parameter?.value ?? node.value
    }

    /// Gradient of a leaf (input with `requiresGrad` or parameter) after `backward`; nil if none flowed to it.
    public func grad(_ v: Var) -> Tensor? {
        let node = nodes[v.id]
        if let p = node.parameter { return p.grad }
        return node.grad
    }

    /// Whether gradient must be propagated into `v`.
    public func needsGrad(_ v: Var) -> Bool { nodes[v.id].requiresGrad }

    // MARK: Backward

    /// Back-propagates from a one-element node with seed gradient 1.
    public func backward(_ loss: Var) {
        let lossValue = value(loss)
        precondition(lossValue.count == 1, "backward() needs a scalar loss, got shape \(lossValue.shape)")
        backward(loss, seed: Tensor(shape: lossValue.shape, values: [1]))
    }

    /// Back-propagates a vector-Jacobian product: `seed` is the gradient of some scalar with respect to `output`.
    public func backward(_ output: Var, seed: Tensor) {
        precondition(
            seed.count == value(output).count,
            "backward seed of shape \(seed.shape) does not match output shape \(value(output).shape)")
        guard nodes[output.id].requiresGrad else { return }
        addGrad(output, seed.reshaped(value(output).shape))
        for id in stride(from: output.id, through: 0, by: -1) {
            guard let backward = nodes[id].backward, var grad = nodes[id].grad else { continue }
            nodes[id].grad = nil
            backward(self, &grad)
        }
    }

    /// Adds `grad` (same shape as the node) into the node's gradient, taking ownership when it is the first.
    public func addGrad(_ v: Var, _ grad: Tensor) {
        guard nodes[v.id].requiresGrad else { return }
        precondition(
            grad.count == value(v).count,
            "gradient of shape \(grad.shape) does not match value of shape \(value(v).shape)")
        accumulateGrad(v) { dst, beta in
            grad.withUnsafeBufferPointer { src in
                if beta == 0 {
                    dst.update(from: src.baseAddress!, count: src.count)
                } else {
                    Engine.parallelFor(src.count) { r in for i in r { dst[i] += src[i] } }
                }
            }
        } adopt: {
            grad
        }
    }

    /// Lets `body` write or add into the gradient buffer of `v`: with `beta == 0` the buffer is uninitialized
    /// and must be overwritten; with `beta == 1` it holds earlier contributions that must be added to
    /// (the convention of `cblas_sgemm`'s beta). Does nothing when `v` needs no gradient.
    public func accumulateGrad(_ v: Var, _ body: (_ grad: UnsafeMutablePointer<Float>, _ beta: Float) -> Void) {
        accumulateGrad(v, body, adopt: nil)
    }

    private func accumulateGrad(
        _ v: Var, _ body: (UnsafeMutablePointer<Float>, Float) -> Void,
        adopt: (() -> Tensor)?
    ) {
        guard nodes[v.id].requiresGrad else { return }
        if let p = nodes[v.id].parameter {
            if p.grad == nil {
                if let adopt { p.grad = adopt(); return }
                var g = Tensor(uninitializedShape: p.value.shape)
                g.withUnsafeMutableBufferPointer { body($0.baseAddress!, 0) }
                p.grad = g
            } else {
                p.grad!.withUnsafeMutableBufferPointer { body($0.baseAddress!, 1) }
            }
            return
        }
        if nodes[v.id].grad == nil {
            if let adopt { nodes[v.id].grad = adopt(); return }
            var g = Tensor(uninitializedShape: nodes[v.id].value.shape)
            g.withUnsafeMutableBufferPointer { body($0.baseAddress!, 0) }
            nodes[v.id].grad = g
        } else {
            nodes[v.id].grad!.withUnsafeMutableBufferPointer { body($0.baseAddress!, 1) }
        }
    }
}

/// A handle to a node of a `Graph`. Valid until the graph is reset; it does not keep the graph alive.
public struct Var {
    /// The graph that recorded this node.
    public unowned let graph: Graph
    /// Position on the tape.
    public let id: Int

    /// Value of the node.
    public var value: Tensor { graph.value(self) }
    /// Shape of the value.
    public var shape: [Int] { graph.value(self).shape }
    /// Gradient of a leaf after `backward`.
    public var grad: Tensor? { graph.grad(self) }
}
