/// NumPy's legacy `numpy.random.RandomState` for the calls the reference's split code makes: seeding with an
/// integer (`np.random.seed(42)`), `shuffle`, `permutation(n)` and `choice(a, size, replace=False)` without
/// weights. Same seed and inputs → the same order as NumPy (checked against NumPy in the tests).
public struct NumPyRandomState: Sendable {
    private var mt: MersenneTwister

    /// `RandomState(seed)` / `np.random.seed(seed)` for an integer seed in 0 ..< 2³².
    public init(seed: UInt32) {
        mt = MersenneTwister(seed: seed)
    }

    /// A uniform integer in `0...max` by masked rejection (NumPy's `random_interval`, used by the legacy shuffle).
    public mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        for shift in [1, 2, 4, 8, 16, 32] { mask |= mask >> UInt64(shift) }
        if max <= 0xffff_ffff {
            while true {
                let value = UInt64(mt.nextUInt32()) & mask
                if value <= max { return value }
            }
        }
        while true {
            let value = ((UInt64(mt.nextUInt32()) << 32) | UInt64(mt.nextUInt32())) & mask
            if value <= max { return value }
        }
    }

    /// In-place shuffle of a sequence, as `RandomState.shuffle` on a 1-d array: for i = n−1 down to 1 swap
    /// element i with `interval(i)`.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, Int(interval(UInt64(i)))) }
    }

    /// `permutation(n)`: a shuffled `0 ..< n`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        shuffle(&order)
        return order
    }

    /// `choice(items, size, replace=False)` without weights: the first `size` positions of `permutation(count)`.
    public mutating func choiceWithoutReplacement<T>(_ items: [T], size: Int) -> [T] {
        precondition(
            (0...items.count).contains(size), "cannot take \(size) of \(items.count) items without replacement")
        return permutation(items.count).prefix(size).map { items[$0] }
    }
}
