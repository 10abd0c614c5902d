/// A trainable tensor with a stable name (for example `"mlp.layers.0.weight"`), its gradient and a frozen flag.
///
/// Gradients accumulate into `grad` across `Graph.backward` calls until an optimizer's `zeroGrad()` clears them
/// (`grad == nil` means "no gradient this step", and optimizers skip such parameters). A frozen parameter
/// takes part in the forward pass as a constant: backward computes nothing for it and optimizers skip it.
public final class Parameter {
    /// Stable name used in checkpoints.
    public let name: String
    /// Current value.
    public var value: Tensor
    /// Accumulated gradient, same shape as `value`, or nil when none was computed since the last reset.
    public var grad: Tensor?
    /// When true, no gradient is computed or applied.
    public var frozen: Bool

    public init(name: String, value: Tensor, frozen: Bool = false) {
        self.name = name
        self.value = value
        self.frozen = frozen
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }
}
