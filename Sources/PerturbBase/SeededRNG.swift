import Foundation

/// A small, fast, seedable PCG-XSH-RR 64/32 generator (O'Neill 2014) producing 64-bit outputs from two steps.
///
/// Same seed → same stream on every machine; the full state is two `UInt64`s and can be saved in checkpoints
/// (`state`, `increment`) so that resumed training continues the exact same stream. The generating methods are
/// `@inlinable` so that per-element loops in other modules (dropout masks) inline them instead of calling out.
public struct SeededRNG: RandomNumberGenerator, Codable, Equatable, Sendable {
    /// The state the inlinable methods advance (`@usableFromInline`, so `state` stays read-only outside).
    @usableFromInline var currentState: UInt64
    public let increment: UInt64

    /// The generator's position in its stream (saved in checkpoints; restored by `init(state:increment:)`).
    public var state: UInt64 { currentState }

    private enum CodingKeys: String, CodingKey {
        case currentState = "state"
        case increment
    }

    /// Creates a generator from a seed and an optional stream id (independent streams for the same seed).
    public init(seed: UInt64, stream: UInt64 = 0) {
        increment = (stream << 1) | 1
        currentState = 0
        _ = next32()
        currentState &+= seed
        _ = next32()
    }

    /// Restores a generator from saved state.
    public init(state: UInt64, increment: UInt64) {
        currentState = state
        self.increment = increment | 1
    }

    @inlinable @inline(__always)
    public mutating func next32() -> UInt32 {
        let old = currentState
        currentState = old &* 6_364_136_223_846_793_005 &+ increment
        let xorShifted = UInt32(truncatingIfNeeded: ((old >> 18) ^ old) >> 27)
        let rot = UInt32(truncatingIfNeeded: old >> 59)
        return (xorShifted >> rot) | (xorShifted << ((~rot &+ 1) & 31))
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        (UInt64(next32()) << 32) | UInt64(next32())
    }

    /// Uniform Float in [0, 1) with 24 random bits.
    @inlinable @inline(__always)
    public mutating func nextFloat() -> Float {
        Float(next32() >> 8) * (1.0 / 16_777_216.0)
    }

    /// Uniform Double in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal sample (Box–Muller; one of the pair is discarded to keep the state simple to save).
    public mutating func nextGaussian() -> Double {
        var u1 = nextDouble()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = nextDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// Uniform integer in `0..<upperBound` without modulo bias.
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upperBound must be positive")
        return Int(next(upperBound: UInt64(upperBound)))
    }

    /// Derives an independent generator for a named sub-task (e.g. "dropout", "shuffle") from a seed.
    public static func derived(seed: UInt64, label: String) -> SeededRNG {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return SeededRNG(seed: seed, stream: h)
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }

extension SeededRNG {
    /// Fisher–Yates shuffle in place (the order depends only on the generator's state).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, nextInt(below: i + 1)) }
    }
}
