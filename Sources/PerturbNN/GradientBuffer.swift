import PerturbTensor

/// Every gradient of a model in one contiguous `Float` buffer, so that processes training one model data-parallel
/// sum them with a single allreduce. Layout, per trainable (not frozen) parameter in order: its gradient values
/// (zeros when it has none this step), then one flag (1 when it has one). After the sum, `unpack` gives each
/// parameter the summed gradient when any process had one and nil otherwise — what one process training on all the
/// rows would hold, so optimizers skip exactly the same parameters.
public struct GradientBuffer {
    /// The packed values (what the allreduce sums).
    public var values: [Float]
    private let parameters: [Parameter]
    private let offsets: [Int]

    /// The layout for the trainable parameters among `parameters` (frozen ones never have gradients).
    public init(parameters: [Parameter]) {
        self.parameters = parameters.filter { !$0.frozen }
        var offsets: [Int] = [], total = 0
        for p in self.parameters {
            offsets.append(total)
            total += p.value.count + 1
        }
        self.offsets = offsets
        values = [Float](repeating: 0, count: total)
    }

    /// Copies every parameter's gradient (or zeros and flag 0) into `values`.
    public mutating func pack() {
        values.withUnsafeMutableBufferPointer { buffer in
            for (p, offset) in zip(parameters, offsets) {
                let n = p.value.count
                if let grad = p.grad {
                    precondition(grad.count == n, "gradient of \(p.name) has shape \(grad.shape), value \(p.shape)")
                    (buffer.baseAddress! + offset).update(from: grad.readPointer, count: n)
                    buffer[offset + n] = 1
                } else {
                    (buffer.baseAddress! + offset).update(repeating: 0, count: n + 1)
                }
            }
        }
    }

    /// Sets every parameter's gradient from `values`: the values when the flag is positive, else nil.
    public func unpack() {
        values.withUnsafeBufferPointer { buffer in
            for (p, offset) in zip(parameters, offsets) {
                let n = p.value.count
                guard buffer[offset + n] > 0 else {
                    p.grad = nil
                    continue
                }
                var grad = p.grad ?? Tensor(uninitializedShape: p.shape)
                p.grad = nil  // the only reference: no copy on write
                grad.mutablePointer().update(from: buffer.baseAddress! + offset, count: n)
                p.grad = grad
            }
        }
    }
}
