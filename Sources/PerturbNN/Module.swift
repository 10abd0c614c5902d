import PerturbTensor

/// Anything that owns trainable parameters — a layer, an embedding table, an encoder, a whole model — so that
/// optimizers, checkpoints and freezing see one interface. A composite module lists its parts' parameters in a
/// fixed order (the checkpoint and optimizer order) instead of assembling names by hand.
public protocol Module: AnyObject {
    /// Parameters in a stable order, with stable names.
    var parameters: [Parameter] { get }
}

extension Module {
    /// Freezes (true) or unfreezes every parameter: a frozen parameter takes part in the forward pass as a
    /// constant; backward computes nothing for it and optimizers skip it.
    public func setFrozen(_ frozen: Bool) {
        for p in parameters { p.frozen = frozen }
    }
}
