/// Morgan (ECFP-like) fingerprint settings. The reference uses radius 2 with 128 or 2048 bits.
public struct MorganOptions: Codable, Equatable, Hashable {
    /// Number of Morgan iterations (radius 2 ≈ ECFP4).
    public var radius = 2
    /// Length of the folded vector.
    public var bits = 2048
    /// Include tetrahedral chirality in the atom invariants (RDKit `includeChirality`).
    public var useChirality = false
    /// Produce count vectors instead of bits (used by callers that pick between `Morgan.fingerprint` and
    /// `Morgan.counts`, such as the CLI).
    public var counts = false

    public init(radius: Int = 2, bits: Int = 2048, useChirality: Bool = false, counts: Bool = false) {
        self.radius = radius
        self.bits = bits
        self.useChirality = useChirality
        self.counts = counts
    }
}

/// A folded bit-vector fingerprint: bit i lives in `words[i / 64]` at position `i % 64`.
public struct Fingerprint: Equatable, Hashable {
    public let bits: Int
    public var words: [UInt64]

    /// An all-zero fingerprint of `bits` bits.
    public init(bits: Int) {
        self.bits = bits
        words = [UInt64](repeating: 0, count: (bits + 63) / 64)
    }

    /// A fingerprint from packed words (`words.count` must be ceil(bits / 64)).
    public init(bits: Int, words: [UInt64]) {
        precondition(words.count == (bits + 63) / 64, "Fingerprint: \(words.count) words for \(bits) bits")
        self.bits = bits
        self.words = words
    }

    /// Whether bit `i` is set.
    @inline(__always)
    public func isSet(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    /// Sets bit `i`.
    public mutating func set(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }

    /// Indices of the set bits, ascending (RDKit `GetOnBits`).
    public var onBits: [Int] {
        var result: [Int] = []
        for (w, word) in words.enumerated() {
            var rest = word
            while rest != 0 {
                result.append(w * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return result
    }

    /// Number of set bits.
    public var popCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The bits as 0/1 floats (model input).
    public func toFloats() -> [Float] {
        var out = [Float](repeating: 0, count: bits)
        for i in onBits { out[i] = 1 }
        return out
    }
}
