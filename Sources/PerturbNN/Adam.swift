import CKernels
import Foundation
import PerturbTensor

/// Adam and AdamW with PyTorch's update rule and defaults (betas 0.9/0.999, eps 1e-8).
///
/// `.decoupled` weight decay is AdamW (`p −= lr·wd·p` before the Adam step; PyTorch AdamW default wd 0.01);
/// `.l2` adds `wd·p` to the gradient (PyTorch Adam). Each parameter counts its own steps, as PyTorch does.
public final class Adam: Optimizer {
    public enum WeightDecay: Equatable { case l2(Float), decoupled(Float) }

    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public let weightDecay: WeightDecay
    private var m: [Tensor?]
    private var v: [Tensor?]
    private var steps: [Int]

    public init(
        parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: WeightDecay = .l2(0)
    ) {
        _ = parameters.byName()
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = Array(repeating: nil, count: parameters.count)
        v = Array(repeating: nil, count: parameters.count)
        steps = Array(repeating: 0, count: parameters.count)
    }

    /// AdamW with PyTorch defaults (weight decay 0.01).
    public static func adamW(parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0.01) -> Adam {
        Adam(parameters: parameters, learningRate: learningRate, weightDecay: .decoupled(weightDecay))
    }

    public func step() {
        for (k, p) in parameters.enumerated() where !p.frozen {
            guard let grad = p.grad else { continue }
            precondition(grad.count == p.value.count, "gradient of \(p.name) has shape \(grad.shape), value \(p.shape)")
            if m[k] == nil { m[k] = .zeros(p.shape); v[k] = .zeros(p.shape) }
            steps[k] += 1
            let t = Float(steps[k])
            let correction1 = 1 - powf(beta1, t), correction2 = 1 - powf(beta2, t)
            let stepSize = learningRate / correction1
            let sqrtCorrection2 = correction2.squareRoot()
            let (b1, b2, eps, lr) = (beta1, beta2, epsilon, learningRate)
            var decay: Float = 0, l2: Float = 0
            switch weightDecay {
            case .l2(let w): l2 = w;
            case .decoupled(let w): decay = 1 - lr * w
            }
            let gp = grad.readPointer
            let mp = m[k]!.mutablePointer(), vp = v[k]!.mutablePointer()
            let pp = p.value.mutablePointer()
            Engine.parallelFor(p.value.count) { range in
                pb_adam_update(
                    pp, gp, mp, vp, range.lowerBound, range.upperBound, b1, b2, eps, stepSize, sqrtCorrection2, l2,
                    decay)
            }
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, p) in parameters.enumerated() where steps[k] > 0 {
            out["adam_m/\(p.name)"] = m[k]
            out["adam_v/\(p.name)"] = v[k]
            out["adam_step/\(p.name)"] = Tensor(scalar: Float(steps[k]))
        }
        return out
    }

    public func loadState(_ tensors: [String: Tensor], file: String) throws {
        var newM = m, newV = v, newSteps = steps
        for (k, p) in parameters.enumerated() {
            guard let stepTensor = tensors["adam_step/\(p.name)"] else {
                newM[k] = nil; newV[k] = nil; newSteps[k] = 0
                continue
            }
            newM[k] = try stateTensor(tensors, "adam_m/\(p.name)", shape: p.shape, file: file)
            newV[k] = try stateTensor(tensors, "adam_v/\(p.name)", shape: p.shape, file: file)
            let count = stepTensor.count == 1 ? stepTensor.scalar : -1
            guard count >= 0, count <= Float(1 << 40), count == count.rounded() else {
                let found = "\(stepTensor.shape) \(stepTensor.count == 1 ? "\(count)" : "values")"
                throw CheckpointError(
                    file: file, tensor: "adam_step/\(p.name)",
                    problem: "expected one whole step count ≥ 0, found \(found)")
            }
            newSteps[k] = Int(count)
        }
        (m, v, steps) = (newM, newV, newSteps)
    }
}
