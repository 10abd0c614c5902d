import PerturbBase

extension Tensor {
    /// Uniform samples in `[low, high)` drawn from `rng` in row-major order.
    public static func uniform(_ shape: [Int], low: Float, high: Float, rng: inout SeededRNG) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        let span = high - low
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = low + span * rng.nextFloat() }
        }
        return t
    }

    /// Normal samples with the given mean and standard deviation drawn from `rng` in row-major order.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout SeededRNG) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = mean + std * Float(rng.nextGaussian()) }
        }
        return t
    }
}
