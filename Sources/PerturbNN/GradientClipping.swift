import PerturbTensor

/// Scales all gradients so that their global L2 norm is at most `maxNorm` (PyTorch `clip_grad_norm_`:
/// factor `maxNorm / (norm + 1e-6)` when the norm exceeds `maxNorm`). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    precondition(maxNorm > 0, "clipGradientNorm needs a positive maxNorm, got \(maxNorm)")
    var total: Double = 0
    for p in parameters where !p.frozen {
        guard let g = p.grad else { continue }
        let gp = g.readPointer
        for i in 0..<g.count { total += Double(gp[i]) * Double(gp[i]) }
    }
    let norm = Float(total.squareRoot())
    guard norm > maxNorm else { return norm }
    let factor = maxNorm / (norm + 1e-6)
    for p in parameters where !p.frozen && p.grad != nil {
        let gp = p.grad!.mutablePointer()
        for i in 0..<p.grad!.count { gp[i] *= factor }
    }
    return norm
}
