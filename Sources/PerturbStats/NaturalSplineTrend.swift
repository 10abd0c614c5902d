import Foundation

/// Least squares fit of y on a natural cubic spline of x with `degreesOfFreedom` columns including the intercept
/// (R's `ns(x, df, intercept = TRUE)` space): boundary knots at the range of x and `df − 2` interior knots at
/// equally spaced quantiles (type 7). The fitted values depend only on this space, so the basis is the truncated-power
/// natural basis of Hastie, Tibshirani & Friedman (ESL eq. 5.4–5.5) on x rescaled to [0, 1].
enum NaturalSplineTrend {
    /// Fitted values and the residual variance `RSS / (n − rank)`.
    static func fit(x: [Double], y: [Double], degreesOfFreedom: Int) -> (fitted: [Double], residualVariance: Double) {
        let n = x.count
        let sorted = x.sorted()
        let lo = sorted.first!, hi = sorted.last!
        let interior = max(0, degreesOfFreedom - 2)
        let knots =
            [lo] + (1...max(1, interior)).prefix(interior).map { quantile(sorted, Double($0) / Double(interior + 1)) }
            + [hi]
        let scale = hi > lo ? hi - lo : 1
        let xi = knots.map { ($0 - lo) / scale }
        let K = xi.count
        func d(_ k: Int, _ t: Double) -> Double {
            func cube(_ v: Double) -> Double { v > 0 ? v * v * v : 0 }
            return (cube(t - xi[k]) - cube(t - xi[K - 1])) / (xi[K - 1] - xi[k])
        }
        let columns = min(K, degreesOfFreedom)
        var basis = [Double](repeating: 0, count: n * columns)
        for i in 0..<n {
            let t = (x[i] - lo) / scale
            basis[i * columns] = 1
            if columns > 1 { basis[i * columns + 1] = t }
            for k in 0..<max(0, columns - 2) { basis[i * columns + 2 + k] = d(k, t) - d(K - 2, t) }
        }
        let qr = HouseholderQR(rowMajor: basis, rows: n, columns: columns)
        var qty = y
        qr.applyTranspose(to: &qty, count: 1)
        let beta = qr.solveR(qty[...])
        var rss = 0.0
        for i in columns..<n { rss += qty[i] * qty[i] }
        let fitted = (0..<n).map { i in (0..<columns).reduce(0.0) { $0 + basis[i * columns + $1] * beta[$1] } }
        return (fitted, rss / Double(n - columns))
    }

    /// The p-quantile of sorted values, R's default (type 7) definition.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let low = Int(h.rounded(.down))
        guard low + 1 < sorted.count else { return sorted[sorted.count - 1] }
        return sorted[low] + (h - Double(low)) * (sorted[low + 1] - sorted[low])
    }
}
