import Foundation

/// Student t distribution tail probabilities through the regularized incomplete beta function
/// (continued fraction, Numerical Recipes §6.4 / Lentz), accurate to ~1e-13 relative, also far in the tail.
public enum StudentT {
    /// P(T > t); the standard normal tail for infinite df.
    public static func upperTail(t: Double, df: Double) -> Double {
        if df.isInfinite { return 0.5 * erfc(t / 2.0.squareRoot()) }
        let half = 0.5 * twoSidedPValue(t: t, df: df)
        return t >= 0 ? half : 1 - half
    }

    /// The t with P(T > t) = `probability` (0 < probability < 1): Newton steps on the tail, kept inside a bisection
    /// bracket, to a relative 1e-14.
    public static func upperQuantile(probability: Double, df: Double) -> Double {
        guard probability > 0, probability < 1 else { return probability <= 0 ? .infinity : -.infinity }
        if probability > 0.5 { return -upperQuantile(probability: 1 - probability, df: df) }
        var low = 0.0, high = 1.0
        while upperTail(t: high, df: df) > probability { low = high; high *= 2; if high > 1e300 { break } }
        let lnDensityScale =
            df.isInfinite
            ? -0.5 * Foundation.log(2 * Double.pi)
            : lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * Foundation.log(df * Double.pi)
        func density(_ t: Double) -> Double {
            df.isInfinite
                ? exp(lnDensityScale - t * t / 2) : exp(lnDensityScale - (df + 1) / 2 * Foundation.log1p(t * t / df))
        }
        var t = 0.5 * (low + high)
        for _ in 0..<200 {
            let f = upperTail(t: t, df: df) - probability
            if f > 0 { low = t } else { high = t }
            var next = t + f / density(t)
            if !(next > low && next < high) { next = 0.5 * (low + high) }
            if abs(next - t) <= 1e-14 * abs(next) || high - low <= 1e-15 * high { return next }
            t = next
        }
        return t
    }

    /// Two-sided p-value of a t statistic with `df` degrees of freedom: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
    /// `lnBeta` = ln Γ(df/2 + 1/2) − ln Γ(df/2) − ln Γ(1/2) may be given when many t share a df.
    public static func twoSidedPValue(t: Double, df: Double, lnBeta: Double? = nil) -> Double {
        guard t.isFinite, df > 0 else { return t.isInfinite ? 0 : .nan }
        let x = df / (df + t * t)
        return min(1, max(0, regularizedIncompleteBeta(a: df / 2, b: 0.5, x: x, lnBeta: lnBeta)))
    }

    /// ln Γ(df/2 + 1/2) − ln Γ(df/2) − ln Γ(1/2), the constant of `twoSidedPValue` for one df.
    public static func lnBeta(df: Double) -> Double { lgamma(df / 2 + 0.5) - lgamma(df / 2) - lgamma(0.5) }

    /// I_x(a, b); `lnBeta` = ln Γ(a+b) − ln Γ(a) − ln Γ(b) when known.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double, lnBeta given: Double? = nil) -> Double
    {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = given ?? (lgamma(a + b) - lgamma(a) - lgamma(b))
        let lnPowers: Double = a * Foundation.log(x) + b * Foundation.log(1 - x)
        let lnFront = lnBeta + lnPowers
        let front = exp(lnFront)
        if x < (a + 1) / (a + b + 2) {
            return front * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - front * continuedFraction(a: b, b: a, x: 1 - x) / b
    }

    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 3e-16 { break }
        }
        return h
    }
}
