import Foundation

/// Statistics of two equally long vectors (one condition's genes), in `Double`.
///
/// Correlations return `nil` when undefined (fewer than 2 values or zero variance); callers decide how to
/// report that (OP3 maps non-finite correlations to 0, the agreement tables leave them out as NaN).
public enum VectorStatistics {
    /// Pearson correlation: centered dot product over the product of centered norms.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "pearson: vectors differ in length")
        let n = x.count
        guard n >= 2 else { return nil }
        let mx = x.reduce(0, +) / Double(n), my = y.reduce(0, +) / Double(n)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<n {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        let r = sxy / (sxx.squareRoot() * syy.squareRoot())
        return r.isFinite ? min(1, max(-1, r)) : nil
    }

    /// Spearman correlation: Pearson correlation of average-tie ranks.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "spearman: vectors differ in length")
        return pearson(Ranking.averageRanks(x), Ranking.averageRanks(y))
    }

    /// Cosine similarity `x·y / (‖x‖‖y‖)`; nil when either norm is zero.
    public static func cosine(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "cosine: vectors differ in length")
        var dot = 0.0, xx = 0.0, yy = 0.0
        for i in x.indices { dot += x[i] * y[i]; xx += x[i] * x[i]; yy += y[i] * y[i] }
        let c = dot / (xx.squareRoot() * yy.squareRoot())
        return c.isFinite ? c : nil
    }

    /// Root mean squared difference; nil for empty vectors.
    public static func rmse(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "rmse: vectors differ in length")
        guard !x.isEmpty else { return nil }
        var s = 0.0
        for i in x.indices { let d = x[i] - y[i]; s += d * d }
        return (s / Double(x.count)).squareRoot()
    }

    /// Mean absolute difference; nil for empty vectors.
    public static func mae(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "mae: vectors differ in length")
        guard !x.isEmpty else { return nil }
        var s = 0.0
        for i in x.indices { s += abs(x[i] - y[i]) }
        return s / Double(x.count)
    }

    /// Coefficient of determination of `prediction` for `truth`: `1 − SS_res / SS_tot` around the mean of
    /// `truth` (sklearn `r2_score`); nil when `truth` is constant or empty.
    public static func r2(truth: [Double], prediction: [Double]) -> Double? {
        precondition(truth.count == prediction.count, "r2: vectors differ in length")
        guard !truth.isEmpty else { return nil }
        let mean = truth.reduce(0, +) / Double(truth.count)
        var res = 0.0, tot = 0.0
        for i in truth.indices {
            res += (truth[i] - prediction[i]) * (truth[i] - prediction[i])
            tot += (truth[i] - mean) * (truth[i] - mean)
        }
        guard tot > 0 else { return nil }
        return 1 - res / tot
    }

    /// Sign of a value as numpy `sign`: −1, 0 or +1.
    @inline(__always)
    public static func sign(_ v: Double) -> Int { v > 0 ? 1 : (v < 0 ? -1 : 0) }

    /// Fraction of positions where `sign(x) == sign(y)` among `positions` (all when nil); nil when none.
    public static func signConcordance(_ x: [Double], _ y: [Double], positions: [Int]? = nil) -> Double? {
        let idx = positions ?? Array(x.indices)
        guard !idx.isEmpty else { return nil }
        var same = 0
        for i in idx where sign(x[i]) == sign(y[i]) { same += 1 }
        return Double(same) / Double(idx.count)
    }

    /// Euclidean norm.
    public static func norm(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// Arithmetic mean of the finite values; nil when there are none.
    public static func finiteMean(_ values: [Double]) -> Double? {
        var s = 0.0, n = 0
        for v in values where v.isFinite { s += v; n += 1 }
        return n > 0 ? s / Double(n) : nil
    }

    /// Sample standard deviation (ddof = 1) of the finite values; nil for fewer than 2.
    public static func finiteSampleSD(_ values: [Double]) -> Double? {
        let finite = values.filter { $0.isFinite }
        guard finite.count >= 2 else { return nil }
        let m = finite.reduce(0, +) / Double(finite.count)
        let ss = finite.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (ss / Double(finite.count - 1)).squareRoot()
    }
}
