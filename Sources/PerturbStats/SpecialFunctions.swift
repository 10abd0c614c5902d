import Foundation

/// The polygamma functions the empirical Bayes step needs, to double precision.
public enum SpecialFunctions {
    /// ψ(x), the digamma function, for x > 0: recurrence up to x ≥ 10, then the asymptotic series.
    public static func digamma(_ x: Double) -> Double {
        guard x.isFinite, x > 0 else { return x == .infinity ? .infinity : .nan }
        var x = x, result = 0.0
        while x < 10 { result -= 1 / x; x += 1 }
        let f = 1 / (x * x)
        let series =
            f
            * (-1.0 / 12 + f
                * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 - f / 12))))))
        return result + Foundation.log(x) - 0.5 / x + series
    }

    /// ψ′(x), the trigamma function, for x > 0: recurrence up to x ≥ 10, then the asymptotic series.
    public static func trigamma(_ x: Double) -> Double {
        guard x.isFinite, x > 0 else { return x == .infinity ? 0 : .nan }
        var x = x, result = 0.0
        while x < 10 { result += 1 / (x * x); x += 1 }
        let f = 1 / (x * x)
        let series =
            1 / x + f / 2 + f / x
            * (1.0 / 6 + f
                * (-1.0 / 30 + f * (1.0 / 42 + f * (-1.0 / 30 + f * (5.0 / 66 + f * (-691.0 / 2730 + f * 7.0 / 6))))))
        return result + series
    }

    /// The y > 0 with ψ′(y) = x (x > 0), by Newton's method on 1/ψ′ (Smyth 2004's scheme: start at 0.5 + 1/x,
    /// which is monotone for this convex function); large and small x use the limits ψ′(y) ≈ 1/y + 1/(2y²)
    /// and ψ′(y) ≈ 1/y².
    public static func trigammaInverse(_ x: Double) -> Double {
        guard x.isFinite else { return x == .infinity ? 0 : .nan }
        guard x > 0 else { return x == 0 ? .infinity : .nan }
        if x > 1e7 { return 1 / x.squareRoot() }
        if x < 1e-6 { return 1 / x }
        var y = 0.5 + 1 / x
        for _ in 0..<50 {
            let tri = trigamma(y)
            let step = tri * (1 - tri / x) / tetragamma(y)
            y += step
            if -step / y < 1e-8 { break }
        }
        return y
    }

    /// ψ″(x) for x > 0 (the Newton step of `trigammaInverse`).
    static func tetragamma(_ x: Double) -> Double {
        var x = x, result = 0.0
        while x < 10 { result -= 2 / (x * x * x); x += 1 }
        let f = 1 / (x * x)
        let series = -f - f / x - f * f * (0.5 + f * (-1.0 / 6 + f * (1.0 / 6 + f * (-3.0 / 10 + f * 5.0 / 6))))
        return result + series
    }
}
