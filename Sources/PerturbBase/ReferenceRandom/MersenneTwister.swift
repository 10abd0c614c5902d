/// The MT19937 Mersenne Twister (Matsumoto & Nishimura 1998), the generator behind CPython's `random` module and
/// NumPy's legacy `RandomState`. Ported from the published algorithm so splits drawn by the reference's Python code
/// can be drawn again here, value for value.
public struct MersenneTwister: Sendable, Equatable {
    private static let n = 624, m = 397
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `init_genrand(seed)`: the linear-congruential fill used by NumPy's `RandomState(seed)` for an integer seed.
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<Self.n {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = Self.n
    }

    /// `init_by_array(key)`: the seeding CPython's `random.seed(int)` uses, with the integer's 32-bit words
    /// (least significant first) as the key.
    public init(key: [UInt32]) {
        self.init(seed: 19_650_218)
        let n = Self.n
        var i = 1, j = 0
        for _ in 0..<max(n, key.count) {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(n - 1) {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
        }
        state[0] = 0x8000_0000
    }

    /// The next 32-bit output (`genrand_uint32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= Self.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        let n = Self.n, m = Self.m
        for k in 0..<n {
            let y = (state[k] & 0x8000_0000) | (state[(k + 1) % n] & 0x7fff_ffff)
            state[k] = state[(k + m) % n] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_b0df)
        }
        index = 0
    }
}
