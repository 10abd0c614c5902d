import Foundation

/// Normalization and filtering of RNA-seq counts (genes × samples, row-major) before voom, as edgeR defines them.
public enum CountNormalization {
    /// Column sums.
    public static func librarySizes(_ counts: [Double], genes: Int, samples: Int) -> [Double] {
        var sizes = [Double](repeating: 0, count: samples)
        for g in 0..<genes { for s in 0..<samples { sizes[s] += counts[g * samples + s] } }
        return sizes
    }

    /// TMM normalization factors (Robinson & Oshlack 2010; edgeR's `calcNormFactors(method = "TMM")`): the reference
    /// sample is the one whose upper-quartile (75 %) proportion is closest to the mean of all; for each sample the
    /// weighted mean of the gene-wise log2 ratios M against it, after trimming 30 % of M and 5 % of the mean log
    /// expression A at each end (genes with a zero count in either sample left out), weighted by the inverse of the
    /// delta-method variance; factors are 2^mean, scaled to multiply to 1.
    public static func tmmFactors(
        _ counts: [Double], genes: Int, samples: Int, logRatioTrim: Double = 0.3, sumTrim: Double = 0.05
    ) -> [Double] {
        let nonzero = (0..<genes).filter { g in (0..<samples).contains { counts[g * samples + $0] > 0 } }
        let lib = librarySizes(counts, genes: genes, samples: samples)
        let upper = (0..<samples).map { s -> Double in
            NaturalSplineTrend.quantile(nonzero.map { counts[$0 * samples + s] / lib[s] }.sorted(), 0.75)
        }
        let meanUpper = upper.reduce(0, +) / Double(samples)
        let reference = upper.indices.min { abs(upper[$0] - meanUpper) < abs(upper[$1] - meanUpper) }!
        var factors = (0..<samples).map { s -> Double in
            var m: [Double] = [], a: [Double] = [], v: [Double] = []
            let nO = lib[s], nR = lib[reference]
            for g in nonzero {
                let obs = counts[g * samples + s], ref = counts[g * samples + reference]
                guard obs > 0, ref > 0 else { continue }
                let lr = log2((obs / nO) / (ref / nR)), ae = (log2(obs / nO) + log2(ref / nR)) / 2
                guard lr.isFinite, ae.isFinite else { continue }
                m.append(lr); a.append(ae); v.append((nO - obs) / nO / obs + (nR - ref) / nR / ref)
            }
            guard let largest = m.map(abs).max(), largest >= 1e-6 else { return 1 }
            let n = Double(m.count)
            let loL = (n * logRatioTrim).rounded(.down) + 1, hiL = n + 1 - loL
            let loS = (n * sumTrim).rounded(.down) + 1, hiS = n + 1 - loS
            let rankM = averageRanks(m), rankA = averageRanks(a)
            var numerator = 0.0, denominator = 0.0
            for i in m.indices where rankM[i] >= loL && rankM[i] <= hiL && rankA[i] >= loS && rankA[i] <= hiS {
                numerator += m[i] / v[i]
                denominator += 1 / v[i]
            }
            let f = denominator > 0 ? numerator / denominator : 0
            return pow(2, f.isFinite ? f : 0)
        }
        let geometricMean = exp(factors.reduce(0) { $0 + log($1) } / Double(samples))
        factors = factors.map { $0 / geometricMean }
        return factors
    }

    /// edgeR's `filterByExpr`: keep a gene with at least `minCount / median(library size) · 1e6` CPM in at least the
    /// smallest group's number of samples (`1 / max(hat(design))`; above `largeN` samples, `largeN + (n − largeN) ·
    /// minProportion`), and at least `minTotalCount` reads in all.
    public static func filterByExpression(
        _ counts: [Double], genes: Int, samples: Int, design: DesignMatrix, librarySizes lib: [Double]? = nil,
        minCount: Double = 10, minTotalCount: Double = 15, largeN: Double = 10,
        minProportion: Double = 0.7
    ) -> [Bool] {
        let lib = lib ?? librarySizes(counts, genes: genes, samples: samples)
        var minSamples = 1 / maxLeverage(design)
        if minSamples > largeN { minSamples = largeN + (minSamples - largeN) * minProportion }
        let cutoff = minCount / EmpiricalBayes.median(lib) * 1e6
        let tolerance = 1e-14
        return (0..<genes).map { g in
            var above = 0.0, total = 0.0
            for s in 0..<samples {
                let c = counts[g * samples + s]
                total += c
                if c / lib[s] * 1e6 >= cutoff { above += 1 }
            }
            return above >= minSamples - tolerance && total >= minTotalCount - tolerance
        }
    }

    /// The largest diagonal entry of the hat matrix X (XᵀX)⁻¹ Xᵀ.
    static func maxLeverage(_ design: DesignMatrix) -> Double {
        let qr = HouseholderQR(rowMajor: design.values, rows: design.rows, columns: design.columns)
        let cov = qr.unscaledCovariance()
        let p = design.columns
        var best = 0.0
        for i in 0..<design.rows {
            var h = 0.0
            for a in 0..<p { for b in 0..<p { h += design[i, a] * cov[a * p + b] * design[i, b] } }
            best = max(best, h)
        }
        return best
    }

    /// Ranks with ties averaged (R's `rank`).
    static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { (values[$0], $0) < (values[$1], $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }
}
