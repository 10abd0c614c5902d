import CKernels
import PerturbBase

/// Inverted dropout: in training, zeroes each element with probability `p` and scales survivors by 1/(1−p);
/// in evaluation mode (or with `p == 0`) it returns `x` unchanged.
///
/// In training, one 64-bit seed is drawn from the graph's randomness (`Graph.nextSeed`; a training graph without an
/// `rng` is a precondition failure) per call; element blocks of fixed size use independent PCG streams of that seed,
/// so the mask is the same for any thread count (`pb_dropout_forward` draws a block's stream 8 outputs at a time).
public func dropout(_ x: Var, p: Float) -> Var {
    precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
    guard x.graph.isTraining, p > 0 else { return x }
    let xv = x.value
    let count = xv.count
    let seed = x.graph.nextSeed(for: "dropout")
    let threshold = UInt32(min(Double(p) * 4_294_967_296.0, 4_294_967_295.0))
    let scale = 1 / (1 - p)
    let mask = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
    let maskBox = MaskBuffer(mask)
    var y = Tensor(uninitializedShape: xv.shape)
    let xp = xv.readPointer, yp = y.mutablePointer()
    let blockSize = 65_536
    let blocks = (count + blockSize - 1) / blockSize
    Engine.parallelFor(blocks, minimumChunk: 1) { range in
        for b in range {
            let stream = SeededRNG(seed: seed, stream: UInt64(b))
            let low = b * blockSize, n = min(count, low + blockSize) - low
            pb_dropout_forward(xp + low, yp + low, mask + low, n, stream.state, stream.increment, threshold, scale)
        }
    }
    return x.graph.record(y, inputs: [x]) { g, dy in
        let dp = dy.readPointer, m = maskBox.pointer
        g.accumulateGrad(x) { dx, beta in
            Engine.parallelFor(count) { range in
                pb_dropout_backward(
                    dx + range.lowerBound, dp + range.lowerBound, m + range.lowerBound, range.count, scale,
                    beta == 0 ? 0 : 1)
            }
        }
    }
}

/// Owns a dropout mask for as long as the tape node that needs it.
final class MaskBuffer {
    let pointer: UnsafeMutablePointer<UInt8>
    init(_ pointer: UnsafeMutablePointer<UInt8>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
