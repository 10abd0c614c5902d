import Foundation
import PerturbStats

/// Welch's unequal-variance t-test of two independent samples, as `scipy.stats.ttest_ind(a, b, equal_var=False)`.
///
/// `t = (mean(a) − mean(b)) / √(s²a/na + s²b/nb)` with sample variances (ddof = 1); Welch–Satterthwaite
/// `df = (s²a/na + s²b/nb)² / ((s²a/na)²/(na − 1) + (s²b/nb)²/(nb − 1))` (1 when both variances are 0, as SciPy);
/// two-sided `p = P(|T_df| ≥ |t|)` from the Student t distribution with non-integer df.
public enum WelchTTest {
    public struct Result: Sendable, Equatable {
        /// Positive when `a` has the larger mean; ±∞ when both samples are constant with different means, NaN when
        /// they are constant and equal.
        public var statistic: Double
        public var degreesOfFreedom: Double
        /// Two-sided p-value (0 for an infinite statistic, NaN for a NaN one).
        public var pValue: Double
    }

    /// The test of finite samples `a` and `b`; nil when either has fewer than 2 values.
    public static func test(_ a: [Double], _ b: [Double]) -> Result? {
        precondition(a.allSatisfy(\.isFinite) && b.allSatisfy(\.isFinite), "welch: samples must be finite")
        guard a.count >= 2, b.count >= 2, let ma = VectorStatistics.finiteMean(a),
            let mb = VectorStatistics.finiteMean(b),
            let sa = VectorStatistics.finiteSampleSD(a), let sb = VectorStatistics.finiteSampleSD(b)
        else { return nil }
        let va = sa * sa / Double(a.count), vb = sb * sb / Double(b.count)
        var df = (va + vb) * (va + vb) / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        if df.isNaN { df = 1 }
        let t = (ma - mb) / (va + vb).squareRoot()
        return Result(statistic: t, degreesOfFreedom: df, pValue: StudentT.twoSidedPValue(t: t, df: df))
    }
}
