import PerturbBase

/// Inverted dropout: in training, zeroes each element with probability `p` and scales survivors by 1/(1−p);
/// in evaluation mode (or with `p == 0`) it returns `x` unchanged.
///
/// In training, one 64-bit seed is drawn from the graph's randomness (`Graph.nextSeed`; a training graph without an
/// `rng` is a precondition failure) per call; element blocks of fixed size use independent PCG streams of that seed,
/// so the mask is the same for any thread count.
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
            var stream = SeededRNG(seed: seed, stream: UInt64(b))
            for i in (b * blockSize)..<min(count, (b + 1) * blockSize) {
                let keep: UInt8 = stream.next32() >= threshold ? 1 : 0
                mask[i] = keep
                yp[i] = keep != 0 ? xp[i] * scale : 0
            }
        }
    }
    return x.graph.record(y, inputs: [x]) { g, dy in
        let dp = dy.readPointer, m = maskBox.pointer
        g.accumulateGrad(x) { dx, beta in
            // Written out rather than through `Kernels.store`: its per-element closure is not inlined into the
            // parallel loop, and this runs over every hidden activation of every micro-batch.
            Engine.parallelFor(count) { range in
                if beta == 0 {
                    for i in range { dx[i] = m[i] != 0 ? dp[i] * scale : 0 }
                } else {
                    for i in range where m[i] != 0 { dx[i] += dp[i] * scale }
                }
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
