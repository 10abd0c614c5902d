/// CPython's `random.Random` for the calls the reference's split code makes: `Random(int)` and `shuffle(list)`
/// (Python ≥ 3.2 semantics: `_randbelow` by `getrandbits` rejection). Checked against CPython in the tests.
public struct PythonRandom: Sendable {
    private var mt: MersenneTwister

    /// `random.Random(seed)` for a non-negative integer seed: `init_by_array` with its 32-bit words.
    public init(seed: UInt64) {
        let low = UInt32(truncatingIfNeeded: seed), high = UInt32(truncatingIfNeeded: seed >> 32)
        mt = MersenneTwister(key: high == 0 ? [low] : [low, high])
    }

    /// `getrandbits(k)` for 1 ≤ k ≤ 64.
    public mutating func randomBits(_ k: Int) -> UInt64 {
        precondition((1...64).contains(k), "getrandbits supports 1...64 bits here")
        if k <= 32 { return UInt64(mt.nextUInt32() >> UInt32(32 - k)) }
        let low = UInt64(mt.nextUInt32())
        let high = UInt64(mt.nextUInt32() >> UInt32(64 - k))
        return (high << 32) | low
    }

    /// `_randbelow(n)`: a uniform integer in `0 ..< n` (n ≥ 1) by drawing `n.bit_length()` bits until below n.
    public mutating func below(_ n: UInt64) -> UInt64 {
        precondition(n > 0, "randbelow needs n > 0")
        let k = 64 - n.leadingZeroBitCount
        while true {
            let r = randomBits(k)
            if r < n { return r }
        }
    }

    /// `shuffle(x)`: for i = n−1 down to 1 swap element i with `_randbelow(i + 1)`.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, Int(below(UInt64(i + 1)))) }
    }
}
