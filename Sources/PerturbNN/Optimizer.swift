import PerturbTensor

/// Updates parameters from their accumulated gradients.
///
/// Parameters whose `grad` is nil (no gradient this step) or that are `frozen` are skipped and keep their state.
/// `stateTensors()`/`loadState(_:)` expose the optimizer's moments for checkpoints under names like
/// `"adam_m/<parameter>"`.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    /// Learning rate used by the next `step()`; schedules set it.
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// Saved state keyed by tensor name (without the `"param/"` weights).
    func stateTensors() -> [String: Tensor]
    /// Restores state saved by `stateTensors()`; throws naming the tensor when one is missing or misshaped.
    func loadState(_ tensors: [String: Tensor], file: String) throws
}

extension Optimizer {
    /// Clears every parameter's gradient (sets it to nil), as at the start of a step.
    public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// Fetches a state tensor of the expected shape, with an error naming the file and tensor otherwise.
func stateTensor(_ tensors: [String: Tensor], _ name: String, shape: [Int], file: String) throws -> Tensor {
    guard let t = tensors[name] else { throw CheckpointError(file: file, tensor: name, problem: "tensor is missing") }
    guard t.count == shape.reduce(1, *) else {
        throw CheckpointError(file: file, tensor: name, problem: "shape \(t.shape) does not match expected \(shape)")
    }
    return t.reshaped(shape)
}
