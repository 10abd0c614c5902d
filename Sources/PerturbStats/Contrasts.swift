/// Contrasts of a fit's coefficients (limma's `contrasts.fit`): each contrast k is `Σ_j C[j, k] β_j`.
///
/// Standard errors: for an unweighted fit `Cᵀ(XᵀX)⁻¹C` exactly. For weighted or incomplete genes, as limma defines it,
/// the correlation between coefficients is taken from the full unweighted design (`covCoefficients`) and scaled by
/// each gene's own unscaled standard deviations: `var_k = Σ_ij C_ik C_jk u_i u_j ρ_ij`. A contrast that involves a
/// NaN coefficient is NaN.
public enum Contrasts {
    /// `contrasts`: one entry per contrast, its name and its weight per coefficient name (absent = 0).
    public static func fit(
        _ fit: LinearModelFit, contrasts: [(name: String, weights: [String: Double])]
    ) -> LinearModelFit {
        let p = fit.count, k = contrasts.count
        let index = Dictionary(uniqueKeysWithValues: fit.names.enumerated().map { ($1, $0) })
        var c = [Double](repeating: 0, count: p * k)
        for (ci, contrast) in contrasts.enumerated() {
            for (name, w) in contrast.weights {
                precondition(index[name] != nil, "contrast \(contrast.name) names an unknown coefficient \(name)")
                c[index[name]! * k + ci] = w
            }
        }
        let v = fit.covCoefficients
        // Each contrast as its non-zero (coefficient, weight) pairs: contrasts are sparse (a condition minus its controls).
        let terms: [[(index: Int, weight: Double)]] = (0..<k).map { ci in
            (0..<p).compactMap { c[$0 * k + ci] != 0 ? ($0, c[$0 * k + ci]) : nil }
        }
        func correlation(_ i: Int, _ j: Int) -> Double { v[i * p + j] / (v[i * p + i] * v[j * p + j]).squareRoot() }
        let pairCorrelations: [[Double]] = terms.map { t in
            t.flatMap { a in t.map { b in correlation(a.index, b.index) } }
        }
        var coefficients = [Double](repeating: .nan, count: fit.genes * k), stdev = coefficients
        for g in 0..<fit.genes {
            let base = g * p
            for ci in 0..<k {
                let t = terms[ci], rho = pairCorrelations[ci]
                var estimate = 0.0, variance = 0.0, defined = true
                for (a, ta) in t.enumerated() {
                    let bi = fit.coefficients[base + ta.index], ui = fit.stdevUnscaled[base + ta.index]
                    guard bi.isFinite, ui.isFinite else { defined = false; break }
                    estimate += ta.weight * bi
                    for (b, tb) in t.enumerated() {
                        variance +=
                            ta.weight * tb.weight * ui * fit.stdevUnscaled[base + tb.index] * rho[a * t.count + b]
                    }
                }
                guard defined else { continue }
                coefficients[g * k + ci] = estimate
                stdev[g * k + ci] = max(0, variance).squareRoot()
            }
        }
        var covariance = [Double](repeating: 0, count: k * k)
        for a in 0..<k {
            for b in 0..<k {
                var s = 0.0
                for x in terms[a] { for y in terms[b] { s += x.weight * v[x.index * p + y.index] * y.weight } }
                covariance[a * k + b] = s
            }
        }
        var out = fit
        out.names = contrasts.map(\.name)
        out.coefficients = coefficients
        out.stdevUnscaled = stdev
        out.covCoefficients = covariance
        return out
    }
}
