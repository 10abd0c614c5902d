import Foundation
import PerturbBase

/// The prior of the gene-wise variances: a scaled inverse χ² with `df` degrees of freedom and scale `s2` (per gene
/// when a trend on intensity was fitted).
public struct VariancePrior: Sendable {
    public var df: [Double]
    public var s2: [Double]
}

/// Empirical Bayes moderation of a linear model fit (Smyth 2004; limma's `eBayes`): the gene-wise residual variances
/// s² ~ s0²·F(d, d0) give the prior (d0, s0²) by moment matching of log s² (`fitFDist`); each variance is shrunk to
/// `s̃² = (d0 s0² + d s²)/(d0 + d)`, and a coefficient's moderated t = β / (u s̃) has `min(d0 + d, Σd)` degrees of
/// freedom. With `trend`, s0² follows a natural spline of the gene's mean intensity (`Amean`).
public enum EmpiricalBayes {
    /// The moderated statistics of every gene and coefficient (genes × coefficients, row-major).
    public struct Result: Sendable {
        public var prior: VariancePrior
        public var s2Post: [Double]
        public var dfTotal: [Double]
        public var t: [Double]
        public var pValue: [Double]
        /// The B-statistic: log-odds that the coefficient is non-zero (Smyth 2004 §6, `proportion` of true effects).
        public var lods: [Double]
    }

    public static func moderate(
        _ fit: LinearModelFit, trend: Bool = false, proportion: Double = 0.01,
        stdevCoefficientLimits: (Double, Double) = (0.1, 4)
    ) -> Result {
        let s2 = fit.sigma.map { $0 * $0 }
        let prior = squeezePrior(variances: s2, df: fit.dfResidual, covariate: trend ? fit.amean : nil)
        let dfPooled = fit.dfResidual.reduce(0) { $0 + ($1.isFinite ? $1 : 0) }
        let genes = fit.genes, k = fit.count
        var s2Post = [Double](repeating: .nan, count: genes), dfTotal = s2Post
        for g in 0..<genes {
            let d = fit.dfResidual[g], d0 = prior.df[g]
            let sg = d > 0 && s2[g].isFinite ? s2[g] : 0
            if d0.isInfinite {
                s2Post[g] = prior.s2[g]
            } else {
                s2Post[g] = (d0 * prior.s2[g] + (d > 0 ? d : 0) * sg) / (d0 + (d > 0 ? d : 0))
            }
            dfTotal[g] = min(d0 + d, dfPooled)
        }
        var t = [Double](repeating: .nan, count: genes * k), p = t
        t.withUnsafeMutableBufferPointer { tb in
            p.withUnsafeMutableBufferPointer { pb in
                Parallel.forEachChunk(count: genes) { range in
                    for g in range {
                        let s = s2Post[g].squareRoot(), lnBeta = StudentT.lnBeta(df: dfTotal[g])
                        for j in 0..<k {
                            let i = g * k + j
                            tb[i] = fit.coefficients[i] / fit.stdevUnscaled[i] / s
                            pb[i] =
                                tb[i].isFinite
                                ? StudentT.twoSidedPValue(t: tb[i], df: dfTotal[g], lnBeta: lnBeta) : .nan
                        }
                    }
                }
            }
        }
        let medianPrior = median(prior.s2.filter(\.isFinite))
        let limits = (
            stdevCoefficientLimits.0 * stdevCoefficientLimits.0 / medianPrior,
            stdevCoefficientLimits.1 * stdevCoefficientLimits.1 / medianPrior
        )
        var lods = [Double](repeating: .nan, count: genes * k)
        lods.withUnsafeMutableBufferPointer { lb in
            Parallel.forEachChunk(count: k) { contrasts in
                for j in contrasts {
                    let tj = (0..<genes).map { t[$0 * k + j] }, uj = (0..<genes).map { fit.stdevUnscaled[$0 * k + j] }
                    let v0 = priorCoefficientVariance(
                        t: tj, stdevUnscaled: uj, df: dfTotal, proportion: proportion, limits: limits)
                    for g in 0..<genes where tj[g].isFinite {
                        let u2 = uj[g] * uj[g], r = (u2 + v0) / u2, t2 = tj[g] * tj[g], df = dfTotal[g]
                        let kernel =
                            df.isInfinite
                            ? t2 * (1 - 1 / r) / 2 : (1 + df) / 2 * Foundation.log((t2 + df) / (t2 / r + df))
                        lb[g * k + j] = Foundation.log(proportion / (1 - proportion)) - Foundation.log(r) / 2 + kernel
                    }
                }
            }
        }
        return Result(prior: prior, s2Post: s2Post, dfTotal: dfTotal, t: t, pValue: p, lods: lods)
    }

    /// `squeezeVar`'s prior: `fitFDist` on the genes with positive residual df and a finite variance.
    public static func squeezePrior(variances: [Double], df: [Double], covariate: [Double]?) -> VariancePrior {
        let ok = variances.indices.filter { df[$0] > 0 && variances[$0].isFinite && (covariate?[$0].isFinite ?? true) }
        let fitted = fitFDist(
            variances: ok.map { variances[$0] }, df: ok.map { df[$0] },
            covariate: covariate.map { c in ok.map { c[$0] } })
        var s2 = [Double](repeating: fitted.s2.first ?? .nan, count: variances.count)
        if let covariate, fitted.s2.count == ok.count {
            for (i, g) in ok.enumerated() { s2[g] = fitted.s2[i] }
            // Genes left out of the fit take the prior of the nearest covariate value.
            let order = ok.sorted { covariate[$0] < covariate[$1] }, fitted = Set(ok)
            for g in variances.indices where !fitted.contains(g) {
                guard covariate[g].isFinite,
                    let nearest = order.min(by: {
                        abs(covariate[$0] - covariate[g]) < abs(covariate[$1] - covariate[g])
                    })
                else { continue }
                s2[g] = s2[nearest]
            }
        }
        return VariancePrior(df: [Double](repeating: fitted.df, count: variances.count), s2: s2)
    }

    /// Moment estimation of the scaled F distribution of `variances` with `df` numerator degrees of freedom
    /// (Smyth 2004 §6.2): `e = log s² − ψ(d/2) + log(d/2)` has mean log s0² + ψ(d0/2) − log(d0/2) and variance
    /// ψ′(d/2) + ψ′(d0/2); so d0 = 2 ψ′⁻¹(var(e) − mean ψ′(d/2)) and s0² = exp(mean(e) + ψ(d0/2) − log(d0/2)).
    /// With a covariate, the mean of e is a natural spline trend (up to 4 df by the number of genes) and var(e) the
    /// residual variance. A non-positive excess variance means no detectable spread: d0 = ∞, s0² = exp(mean e)
    /// (with a covariate) or the mean variance (without). Variances are floored at 1e-5 × their median.
    static func fitFDist(variances: [Double], df: [Double], covariate: [Double]?) -> (s2: [Double], df: Double) {
        let n = variances.count
        guard n > 0 else { return ([], .nan) }
        var x = variances.map { max($0, 0) }
        var m = median(x)
        if m == 0 { m = 1 }
        x = x.map { max($0, 1e-5 * m) }
        let e = (0..<n).map {
            Foundation.log(x[$0]) - SpecialFunctions.digamma(df[$0] / 2) + Foundation.log(df[$0] / 2)
        }
        var emean: [Double], evar: Double
        if let covariate, n > 1 {
            var splineDF = 1 + (n >= 3 ? 1 : 0) + (n >= 6 ? 1 : 0) + (n >= 30 ? 1 : 0)
            splineDF = min(splineDF, Set(covariate).count)
            if splineDF < 2 {
                let mean = e.reduce(0, +) / Double(n)
                emean = [Double](repeating: mean, count: n)
                evar = e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            } else {
                let trend = NaturalSplineTrend.fit(x: covariate, y: e, degreesOfFreedom: splineDF)
                emean = trend.fitted
                evar = trend.residualVariance
            }
        } else {
            let mean = e.reduce(0, +) / Double(n)
            emean = [Double](repeating: mean, count: n)
            evar = n > 1 ? e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1) : .nan
        }
        evar -= df.reduce(0) { $0 + SpecialFunctions.trigamma($1 / 2) } / Double(n)
        if evar > 0 {
            let d0 = 2 * SpecialFunctions.trigammaInverse(evar)
            let shift = SpecialFunctions.digamma(d0 / 2) - Foundation.log(d0 / 2)
            return (emean.map { Foundation.exp($0 + shift) }, d0)
        }
        if covariate != nil { return (emean.map { Foundation.exp($0) }, .infinity) }
        return ([Double](repeating: x.reduce(0, +) / Double(n), count: n), .infinity)
    }

    /// The prior variance v0 of a non-zero coefficient (limma's `tmixture`): from the `proportion/2` largest |t|,
    /// each matched to the t quantile its rank implies under a mixture with a fraction `proportion` of true effects.
    static func priorCoefficientVariance(
        t: [Double], stdevUnscaled: [Double], df: [Double], proportion: Double,
        limits: (Double, Double)
    ) -> Double {
        let ok = t.indices.filter { t[$0].isFinite }
        let ngenes = ok.count
        let target = Int((proportion / 2 * Double(ngenes)).rounded(.up))
        guard target >= 1 else { return .nan }
        let p = max(Double(target) / Double(ngenes), proportion)
        let maxDF = ok.map { df[$0] }.max()!
        var absT = ok.map { abs(t[$0]) }
        for (i, g) in ok.enumerated() where df[g] < maxDF {
            absT[i] = StudentT.upperQuantile(probability: StudentT.upperTail(t: absT[i], df: df[g]), df: maxDF)
        }
        let order = absT.indices.sorted { absT[$0] > absT[$1] }.prefix(target)
        var v0 = [Double](repeating: 0, count: target)
        for (r, i) in order.enumerated() {
            let tt = absT[i], v1 = stdevUnscaled[ok[i]] * stdevUnscaled[ok[i]]
            let p0 = 2 * StudentT.upperTail(t: tt, df: maxDF)
            let ptarget = ((Double(r + 1) - 0.5) / Double(ngenes) - (1 - p) * p0) / p
            if ptarget > p0 {
                let q = StudentT.upperQuantile(probability: ptarget / 2, df: maxDF)
                v0[r] = v1 * ((tt / q) * (tt / q) - 1)
            }
            v0[r] = min(max(v0[r], limits.0), limits.1)
        }
        return v0.reduce(0, +) / Double(target)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
