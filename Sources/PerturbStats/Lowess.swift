import Foundation

/// Cleveland's LOWESS scatterplot smoother (Cleveland 1979; the algorithm of R's `lowess`): locally weighted linear
/// fits with tricube weights over the `f·n` nearest points, `iterations` robustifying passes with bisquare weights
/// of the residuals (6 × their median absolute value), and points within `delta` of the last fitted x linearly
/// interpolated. `x` need not be sorted; the result is in the order of sorted x.
enum Lowess {
    static func smooth(
        x: [Double], y: [Double], f: Double = 2.0 / 3, iterations: Int = 3, delta: Double? = nil
    ) -> (x: [Double], y: [Double]) {
        let order = x.indices.sorted { (x[$0], $0) < (x[$1], $1) }
        let xs = order.map { x[$0] }, ysIn = order.map { y[$0] }
        let n = xs.count
        guard n > 1 else { return (xs, ysIn) }
        let delta = delta ?? 0.01 * (xs[n - 1] - xs[0])
        let ns = max(min(Int(f * Double(n) + 1e-7), n), 2)
        var fitted = [Double](repeating: 0, count: n), robustness = [Double](repeating: 1, count: n)
        var weights = [Double](repeating: 0, count: n), residuals = [Double](repeating: 0, count: n)
        for iteration in 1...(iterations + 1) {
            var nleft = 0, nright = ns - 1, last = -1, i = 0
            while true {
                while nright < n - 1 && xs[i] - xs[nleft] > xs[nright + 1] - xs[i] { nleft += 1; nright += 1 }
                if let value = localFit(
                    xs, ysIn, at: xs[i], nleft: nleft, nright: nright, weights: &weights,
                    robustness: iteration > 1 ? robustness : nil)
                {
                    fitted[i] = value
                } else {
                    fitted[i] = ysIn[i]
                }
                if last < i - 1 {
                    let denominator = xs[i] - xs[last]
                    for j in (last + 1)..<i {
                        let alpha = (xs[j] - xs[last]) / denominator
                        fitted[j] = alpha * fitted[i] + (1 - alpha) * fitted[last]
                    }
                }
                last = i
                let cut = xs[last] + delta
                i = last + 1
                while i < n {
                    if xs[i] > cut { break }
                    if xs[i] == xs[last] { fitted[i] = fitted[last]; last = i }
                    i += 1
                }
                i = max(last + 1, i - 1)
                if last >= n - 1 { break }
            }
            for j in 0..<n { residuals[j] = ysIn[j] - fitted[j] }
            if iteration > iterations { break }
            let scale = residuals.reduce(0) { $0 + abs($1) } / Double(n)
            let sortedAbs = residuals.map(abs).sorted()
            let m1 = n / 2
            let cmad = n % 2 == 0 ? 3 * (sortedAbs[m1] + sortedAbs[m1 - 1]) : 6 * sortedAbs[m1]
            if cmad < 1e-7 * scale { break }
            let c9 = 0.999 * cmad, c1 = 0.001 * cmad
            for j in 0..<n {
                let r = abs(residuals[j])
                robustness[j] =
                    r <= c1 ? 1 : (r <= c9 ? (1 - (r / cmad) * (r / cmad)) * (1 - (r / cmad) * (r / cmad)) : 0)
            }
        }
        return (xs, fitted)
    }

    /// The weighted local linear fit at `point` over the window [nleft, nright] (extended over ties at its edge).
    private static func localFit(
        _ x: [Double], _ y: [Double], at point: Double, nleft: Int, nright: Int, weights: inout [Double],
        robustness: [Double]?
    ) -> Double? {
        let n = x.count
        let range = x[n - 1] - x[0]
        let h = max(point - x[nleft], x[nright] - point)
        let h9 = 0.999 * h, h1 = 0.001 * h
        var total = 0.0, j = nleft
        while j < n {
            weights[j] = 0
            let r = abs(x[j] - point)
            if r <= h9 {
                weights[j] = r <= h1 ? 1 : pow(1 - pow(r / h, 3), 3)
                if let robustness { weights[j] *= robustness[j] }
                total += weights[j]
            } else if x[j] > point {
                break
            }
            j += 1
        }
        let nrt = j - 1
        guard total > 0 else { return nil }
        for k in nleft...nrt { weights[k] /= total }
        if h > 0 {
            var a = 0.0
            for k in nleft...nrt { a += weights[k] * x[k] }
            var b = point - a, c = 0.0
            for k in nleft...nrt { c += weights[k] * (x[k] - a) * (x[k] - a) }
            if c.squareRoot() > 0.001 * range {
                b /= c
                for k in nleft...nrt { weights[k] *= b * (x[k] - a) + 1 }
            }
        }
        var value = 0.0
        for k in nleft...nrt { value += weights[k] * y[k] }
        return value
    }

    /// Linear interpolation through the smoothed points (R's `approxfun(rule = 2, ties = mean)`): tied x take the
    /// mean of their y; outside the range, the end values.
    static func interpolator(x: [Double], y: [Double]) -> (Double) -> Double {
        var ux: [Double] = [], uy: [Double] = []
        var i = 0
        while i < x.count {
            var j = i, sum = 0.0
            while j < x.count && x[j] == x[i] { sum += y[j]; j += 1 }
            ux.append(x[i]); uy.append(sum / Double(j - i))
            i = j
        }
        return { v in
            if v <= ux[0] { return uy[0] }
            if v >= ux[ux.count - 1] { return uy[uy.count - 1] }
            var lo = 0, hi = ux.count - 1
            while hi - lo > 1 { let mid = (lo + hi) / 2; if ux[mid] <= v { lo = mid } else { hi = mid } }
            return uy[lo] + (uy[hi] - uy[lo]) * (v - ux[lo]) / (ux[hi] - ux[lo])
        }
    }
}
