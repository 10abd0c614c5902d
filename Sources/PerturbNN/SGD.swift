import PerturbTensor

/// Stochastic gradient descent with momentum and L2 weight decay, as PyTorch's `SGD`
/// (`buf = momentum·buf + g`, first step `buf = g`; `p −= lr·buf`).
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    private var buffers: [Tensor?]

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
        _ = parameters.byName()
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        for (k, p) in parameters.enumerated() where !p.frozen {
            guard let grad = p.grad else { continue }
            let (lr, mu, wd) = (learningRate, momentum, weightDecay)
            let gp = grad.readPointer, pp = p.value.mutablePointer()
            if mu == 0 {
                Engine.parallelFor(p.value.count) { r in for i in r { pp[i] -= lr * (gp[i] + wd * pp[i]) } }
                continue
            }
            let first = buffers[k] == nil
            if first { buffers[k] = Tensor(uninitializedShape: p.shape) }
            let bp = buffers[k]!.mutablePointer()
            Engine.parallelFor(p.value.count) { r in
                for i in r {
                    let g = gp[i] + wd * pp[i]
                    let b = first ? g : mu * bp[i] + g
                    bp[i] = b
                    pp[i] -= lr * b
                }
            }
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, p) in parameters.enumerated() { if let b = buffers[k] { out["sgd_momentum/\(p.name)"] = b } }
        return out
    }

    public func loadState(_ tensors: [String: Tensor], file: String) throws {
        buffers = try parameters.map { p in
            tensors["sgd_momentum/\(p.name)"] == nil
                ? nil : try stateTensor(tensors, "sgd_momentum/\(p.name)", shape: p.shape, file: file)
        }
    }
}
