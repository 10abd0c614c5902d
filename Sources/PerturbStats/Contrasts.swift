/// Contrasts of a fit's coefficients (limma's `contrasts.fit`): each contrast k is `Σ_j C[j, k] β_j`.
///
/// Standard errors: for an unweighted fit `Cᵀ(XᵀX)⁻¹C` exactly. For weighted or incomplete genes, as limma defines it,
/// the correlation between coefficients is taken from the full unweighted design (`covCoefficients`) and scaled by
/// each gene's own unscaled standard deviations: `var_k = Σ_ij C_ik C_jk u_i u_j ρ_ij`. A contrast that involves a
/// NaN coefficient is NaN.
public enum Contrasts {
    /// `contrasts`: one entry per contrast, its name and its weight per coefficient name (absent = 0).
    public static func fit(_ fit: LinearModelFit, contrasts: [(name: String, weights: [String: Double])]) -> LinearModelFit {
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
        var correlation = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { correlation[i * p + j] = v[i * p + j] / (v[i * p + i] * v[j * p + j]).squareRoot() } }
        var coefficients = [Double](repeating: .nan, count: fit.genes * k), stdev = coefficients
        for g in 0..<fit.genes {
            let beta = fit.coefficients[(g * p)..<((g + 1) * p)], u = fit.stdevUnscaled[(g * p)..<((g + 1) * p)]
            for ci in 0..<k {
                var estimate = 0.0, variance = 0.0, defined = true
                for i in 0..<p where c[i * k + ci] != 0 {
                    let bi = beta[beta.startIndex + i], ui = u[u.startIndex + i]
                    guard bi.isFinite, ui.isFinite else { defined = false; break }
                    estimate += c[i * k + ci] * bi
                    for j in 0..<p where c[j * k + ci] != 0 {
                        variance += c[i * k + ci] * c[j * k + ci] * ui * u[u.startIndex + j] * correlation[i * p + j]
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
                for i in 0..<p where c[i * k + a] != 0 { for j in 0..<p where c[j * k + b] != 0 { s += c[i * k + a] * v[i * p + j] * c[j * k + b] } }
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
