import Foundation

/// The alternative hypothesis of a test on a location shift (SciPy's `alternative`).
public enum TestAlternative: String, Sendable, CaseIterable {
    case twoSided = "two-sided"
    /// The differences tend to be positive.
    case greater
    /// The differences tend to be negative.
    case less
}

/// The Wilcoxon signed-rank test of paired differences, as `scipy.stats.wilcoxon(d, alternative=…)` with its
/// defaults in SciPy 1.17 (`zero_method="wilcox"`, `correction=False`, `method="auto"`).
///
/// Zero differences are dropped; the others are ranked by `|d|` with average ranks for ties. `R+` (`R−`) is the
/// rank sum of the positive (negative) differences. The p-value is exact when the sample has at most 50 values
/// (zeros included) and neither ties nor zeros, or at most 13 values with ties or zeros (SciPy then runs an exhaustive
/// sign-flip permutation test, which gives the same tail fractions as the enumeration here); otherwise it comes from
/// the normal approximation `z = (R+ − n(n+1)/4) / σ`,
/// `σ² = (n(n+1)(2n+1) − Σ(t³ − t)/2) / 24` over the nonzero count `n` and tie group sizes `t`, no continuity correction.
public enum WilcoxonSignedRank {
    /// How the p-value was obtained.
    public enum Method: String, Sendable {
        /// Enumeration of all sign assignments of the nonzero ranks (SciPy `exact` or its exhaustive permutation test).
        case exact
        /// Normal approximation with tie correction (SciPy `asymptotic`).
        case normal
    }

    public struct Result: Sendable, Equatable {
        /// SciPy's reported statistic: `min(R+, R−)` for two-sided tests, `R+` for one-sided ones.
        public var statistic: Double
        public var pValue: Double
        /// Rank sum of the positive differences.
        public var positiveRankSum: Double
        /// Number of nonzero differences.
        public var nonzero: Int
        public var method: Method
    }

    /// Tests whether the finite differences `d` are centred on 0; nil for an empty sample. With only zeros the
    /// p-value is 1 in the exact range and NaN under the normal approximation, as SciPy.
    public static func test(_ d: [Double], alternative: TestAlternative = .twoSided) -> Result? {
        precondition(d.allSatisfy(\.isFinite), "wilcoxon: differences must be finite")
        guard !d.isEmpty else { return nil }
        let nonzero = d.filter { $0 != 0 }
        let ranks = Ranking.averageRanks(nonzero.map(abs))
        var plus = 0.0, minus = 0.0
        for (v, r) in zip(nonzero, ranks) { if v > 0 { plus += r } else { minus += r } }
        let tieSizes = tieGroupSizes(ranks)
        let hasTiesOrZeros = nonzero.count < d.count || tieSizes.contains { $0 > 1 }
        let exact = d.count <= 50 && (!hasTiesOrZeros || d.count <= 13)
        let p: Double
        if exact {
            p = exactPValue(ranks: ranks, positiveRankSum: plus, alternative: alternative)
        } else {
            let n = Double(nonzero.count)
            let ties = tieSizes.reduce(0.0) { $0 + Double($1) * Double($1) * Double($1) - Double($1) }
            let sigma = ((n * (n + 1) * (2 * n + 1) - ties / 2) / 24).squareRoot()
            let z = (plus - n * (n + 1) / 4) / sigma
            switch alternative {
            case .greater: p = NormalDistribution.cdf(-z)
            case .less: p = NormalDistribution.cdf(z)
            case .twoSided: p = 2 * NormalDistribution.cdf(-abs(z))
            }
        }
        return Result(
            statistic: alternative == .twoSided ? min(plus, minus) : plus, pValue: p, positiveRankSum: plus,
            nonzero: nonzero.count, method: exact ? .exact : .normal)
    }

    /// Sizes of the groups of equal ranks.
    static func tieGroupSizes(_ ranks: [Double]) -> [Int] {
        var counts: [Double: Int] = [:]
        for r in ranks { counts[r, default: 0] += 1 }
        return Array(counts.values)
    }

    /// Tail probability of `R+` under the null (every sign assignment of the nonzero ranks equally likely): the
    /// distribution of the doubled rank sum (average ranks are multiples of ½) by dynamic programming over subsets.
    static func exactPValue(ranks: [Double], positiveRankSum: Double, alternative: TestAlternative) -> Double {
        let doubled = ranks.map { Int(($0 * 2).rounded()) }
        var counts = [Double](repeating: 0, count: doubled.reduce(0, +) + 1)
        counts[0] = 1
        var reach = 0
        for r in doubled {
            for s in stride(from: reach, through: 0, by: -1) where counts[s] != 0 { counts[s + r] += counts[s] }
            reach += r
        }
        let total = pow(2, Double(ranks.count))
        let observed = Int((positiveRankSum * 2).rounded())
        let atMost = counts[0...observed].reduce(0, +) / total
        let atLeast = counts[observed...].reduce(0, +) / total
        switch alternative {
        case .greater: return atLeast
        case .less: return atMost
        case .twoSided: return min(1, 2 * min(atMost, atLeast))
        }
    }
}
