import Foundation

/// voom (Law et al. 2014): counts → log2-CPM with precision weights from the mean–variance trend, ready for a
/// weighted `LinearModel.fit`.
public enum Voom {
    public struct Result: Sendable {
        /// log2((count + 0.5) / (library size + 1) · 1e6), genes × samples.
        public var expression: [Double]
        /// Inverse variance weights, genes × samples.
        public var weights: [Double]
        /// The effective library sizes (column sums × normalization factors).
        public var librarySizes: [Double]
    }

    /// `counts` genes × samples (row-major), `normalizationFactors` per sample (TMM, or 1). The trend: a LOWESS
    /// (span 0.5) of √σ on the mean log2 count (`Amean` + mean log2 library size − log2 1e6) of an unweighted fit,
    /// genes with zero counts in every sample left out; each observation's weight is `1 / trend(log2 fitted count)⁴`.
    public static func transform(
        counts: [Double], genes: Int, samples: Int, design: DesignMatrix,
        normalizationFactors: [Double]? = nil, span: Double = 0.5
    ) throws -> Result {
        let raw = CountNormalization.librarySizes(counts, genes: genes, samples: samples)
        let lib = zip(raw, normalizationFactors ?? [Double](repeating: 1, count: samples)).map { $0 * $1 }
        var y = [Double](repeating: 0, count: genes * samples)
        for g in 0..<genes {
            for s in 0..<samples { y[g * samples + s] = log2((counts[g * samples + s] + 0.5) / (lib[s] + 1) * 1e6) }
        }
        let fit = try LinearModel.fit(expression: y, genes: genes, design: design)
        let meanLogLib = lib.reduce(0) { $0 + log2($1 + 1) } / Double(samples) - log2(1e6)
        let used = (0..<genes).filter { g in (0..<samples).contains { counts[g * samples + $0] > 0 } }
        let sx = used.map { fit.amean[$0] + meanLogLib }, sy = used.map { fit.sigma[$0].squareRoot() }
        let smoothed = Lowess.smooth(x: sx, y: sy, f: span)
        let trend = Lowess.interpolator(x: smoothed.x, y: smoothed.y)
        let p = design.columns
        var weights = [Double](repeating: 0, count: genes * samples)
        for g in 0..<genes {
            for s in 0..<samples {
                var fitted = 0.0
                for j in 0..<p { fitted += fit.coefficients[g * p + j] * design[s, j] }
                let count = pow(2, fitted) * (lib[s] + 1) / 1e6
                weights[g * samples + s] = 1 / pow(trend(log2(count)), 4)
            }
        }
        return Result(expression: y, weights: weights, librarySizes: lib)
    }
}
