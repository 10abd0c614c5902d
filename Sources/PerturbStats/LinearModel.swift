import CBLAS
import Foundation
import PerturbBase

/// A per-gene linear model fit (limma's `lmFit` semantics, Smyth 2004): for each gene the least squares (or weighted
/// least squares) coefficients of its values on the design, their unscaled standard deviations
/// (`sqrt(diag((XᵀWX)⁻¹))`), the residual standard deviation σ and residual degrees of freedom. Missing values (NaN)
/// and non-positive weights drop that observation for that gene; a coefficient no remaining observation informs is
/// NaN, as is every coefficient of a gene whose remaining design is singular.
public struct LinearModelFit: Sendable {
    public let genes: Int
    /// Coefficient names (design columns, or contrast names after `contrasts`).
    public var names: [String]
    /// genes × coefficients, row-major.
    public var coefficients: [Double]
    /// genes × coefficients, row-major.
    public var stdevUnscaled: [Double]
    public var sigma: [Double]
    public var dfResidual: [Double]
    /// Mean of each gene's finite values (limma's `Amean`, the intensity of the trend).
    public var amean: [Double]
    /// The unscaled covariance of the coefficients of the full, unweighted design (limma's `cov.coefficients`), used
    /// for the correlation of coefficients when contrasts are formed.
    public var covCoefficients: [Double]

    public var count: Int { names.count }
}

/// Why a fit could not be made.
public struct LinearModelError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A design factored once for many fits (`LinearModel.fit(expression:genes:prepared:)`): its QR, the unscaled
/// covariance (XᵀX)⁻¹ and the projection P = (XᵀX)⁻¹Xᵀ that gives complete genes' coefficients as B = Y Pᵀ.
public struct PreparedDesign: Sendable {
    public let design: DesignMatrix
    let covariance: [Double]
    let fullStdev: [Double]
    let projection: [Double]

    /// Factors `design`; throws when it has fewer samples than coefficients or is singular.
    public init(_ design: DesignMatrix) throws {
        let n = design.rows, p = design.columns
        guard n > 0, p > 0, n >= p else {
            throw LinearModelError(description: "the design has \(n) samples for \(p) coefficients")
        }
        let full = HouseholderQR(rowMajor: design.values, rows: n, columns: p)
        guard full.isFullRank else {
            throw LinearModelError(
                description:
                    "the design matrix is singular (its \(p) columns \(design.columnNames.prefix(5).joined(separator: ", "))\(p > 5 ? ", ..." : "") are linearly dependent)"
            )
        }
        let cov = full.unscaledCovariance()
        var projection = [Double](repeating: 0, count: p * n)
        cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(p), Int32(n), Int32(p), 1, cov, Int32(p),
            design.values, Int32(p), 0, &projection, Int32(n))
        self.design = design
        covariance = cov
        fullStdev = (0..<p).map { cov[$0 * p + $0].squareRoot() }
        self.projection = projection
    }
}

public enum LinearModel {
    /// Fits `expression` (genes × samples, row-major, NaN = missing) on `design` (samples × coefficients), with
    /// optional observation weights of the same shape as `expression`. Genes are fitted in parallel.
    public static func fit(
        expression: [Double], genes: Int, design: DesignMatrix, weights: [Double]? = nil
    ) throws -> LinearModelFit {
        try fit(expression: expression, genes: genes, prepared: PreparedDesign(design), weights: weights)
    }

    /// `fit` on a design factored in advance (many blocks of genes on one design: `StreamingLimma`).
    public static func fit(
        expression: [Double], genes: Int, prepared: PreparedDesign, weights: [Double]? = nil
    ) throws -> LinearModelFit {
        let design = prepared.design
        let n = design.rows, p = design.columns
        precondition(expression.count == genes * n, "expression must be genes × samples (\(genes) × \(n))")
        precondition(weights == nil || weights!.count == genes * n, "weights must match the expression matrix")
        let cov = prepared.covariance, fullStdev = prepared.fullStdev
        var coefficients = [Double](repeating: .nan, count: genes * p), stdev = coefficients
        var sigma = [Double](repeating: .nan, count: genes), df = [Double](repeating: 0, count: genes), amean = sigma
        // Complete, unweighted genes in one pass of two matrix products: B = Y Pᵀ with P = (XᵀX)⁻¹Xᵀ, residuals Y − B Xᵀ.
        let complete =
            weights == nil ? (0..<genes).filter { g in (0..<n).allSatisfy { expression[g * n + $0].isFinite } } : []
        if !complete.isEmpty {
            let block = fitComplete(expression: expression, genes: complete, samples: n, prepared: prepared)
            for (offset, g) in complete.enumerated() {
                var sum = 0.0
                for i in 0..<n { sum += expression[g * n + i] }
                amean[g] = sum / Double(n)
                for j in 0..<p {
                    coefficients[g * p + j] = block.coefficients[offset * p + j]; stdev[g * p + j] = fullStdev[j]
                }
                sigma[g] = block.sigma[offset]
                df[g] = Double(n - p)
            }
        }
        let remaining = complete.count == genes ? [] : Array(Set(0..<genes).subtracting(complete)).sorted()
        let lock = NSLock()
        Parallel.forEachChunk(count: remaining.count, threads: remaining.count < 256 ? 1 : Parallel.threadCount) {
            positions in
            let range = positions.map { remaining[$0] }
            var y = [Double](repeating: 0, count: n)
            var localCoefficients = [Double](repeating: .nan, count: range.count * p), localStdev = localCoefficients
            var localSigma = [Double](repeating: .nan, count: range.count),
                localDF = [Double](repeating: 0, count: range.count)
            var localMean = localSigma
            for (offset, g) in range.enumerated() {
                var sum = 0.0, finite = 0
                for i in 0..<n {
                    let v = expression[g * n + i]
                    y[i] = v
                    if v.isFinite { sum += v; finite += 1 }
                }
                localMean[offset] = finite > 0 ? sum / Double(finite) : .nan
                guard
                    let gene = solveSubset(
                        design: design, y: y, weights: weights.map { Array($0[(g * n)..<((g + 1) * n)]) })
                else { continue }
                for j in 0..<p {
                    localCoefficients[offset * p + j] = gene.coefficients[j]; localStdev[offset * p + j] = gene.stdev[j]
                }
                localSigma[offset] = gene.sigma
                localDF[offset] = gene.df
            }
            lock.lock()
            for (offset, g) in range.enumerated() {
                for j in 0..<p {
                    coefficients[g * p + j] = localCoefficients[offset * p + j];
                    stdev[g * p + j] = localStdev[offset * p + j]
                }
                sigma[g] = localSigma[offset]; df[g] = localDF[offset]; amean[g] = localMean[offset]
            }
            lock.unlock()
        }
        return LinearModelFit(
            genes: genes, names: design.columnNames, coefficients: coefficients, stdevUnscaled: stdev, sigma: sigma,
            dfResidual: df, amean: amean, covCoefficients: cov)
    }

    struct GeneFit { var coefficients: [Double]; var stdev: [Double]; var sigma: Double; var df: Double }

    /// Coefficients (genes × p) and σ of complete genes by BLAS: B = Y Pᵀ, P = (XᵀX)⁻¹Xᵀ; σ² = ‖Y − B Xᵀ‖² / (n − p).
    static func fitComplete(
        expression: [Double], genes: [Int], samples n: Int, prepared: PreparedDesign
    )
        -> (coefficients: [Double], sigma: [Double])
    {
        let design = prepared.design, projection = prepared.projection
        let p = design.columns, m = genes.count
        var y = [Double](repeating: 0, count: m * n)
        for (offset, g) in genes.enumerated() { for i in 0..<n { y[offset * n + i] = expression[g * n + i] } }
        var beta = [Double](repeating: 0, count: m * p)
        cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(p), Int32(n), 1, y, Int32(n), projection, Int32(n),
            0, &beta, Int32(p))
        // Residuals: y ← y − B Xᵀ.
        cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(p), -1, beta, Int32(p), design.values,
            Int32(p), 1, &y, Int32(n))
        let df = Double(n - p)
        let sigma = (0..<m).map { g -> Double in
            guard df > 0 else { return .nan }
            var rss = 0.0
            for i in 0..<n { rss += y[g * n + i] * y[g * n + i] }
            return (rss / df).squareRoot()
        }
        return (beta, sigma)
    }

    /// The least squares fit of y on a factorized design.
    static func solve(_ qr: HouseholderQR, y: [Double], stdev: [Double]) -> GeneFit {
        var qty = y
        qr.applyTranspose(to: &qty, count: 1)
        let beta = qr.solveR(qty[...])
        let df = qr.rows - qr.columns
        var rss = 0.0
        for i in qr.columns..<qr.rows { rss += qty[i] * qty[i] }
        return GeneFit(
            coefficients: beta, stdev: stdev, sigma: df > 0 ? (rss / Double(df)).squareRoot() : .nan, df: Double(df))
    }

    /// The fit of one gene on its observed rows (and weights): columns without an observation are left out (NaN).
    static func solveSubset(design: DesignMatrix, y: [Double], weights: [Double]?) -> GeneFit? {
        let n = design.rows, p = design.columns
        let rows = (0..<n).filter { i in y[i].isFinite && (weights.map { w in w[i] > 0 && w[i].isFinite } ?? true) }
        let used = (0..<p).filter { j in rows.contains { design[$0, j] != 0 } }
        guard !used.isEmpty, rows.count >= used.count else { return nil }
        var x = [Double](repeating: 0, count: rows.count * used.count), yy = [Double](repeating: 0, count: rows.count)
        for (r, i) in rows.enumerated() {
            let s = weights.map { $0[i].squareRoot() } ?? 1
            for (c, j) in used.enumerated() { x[r * used.count + c] = design[i, j] * s }
            yy[r] = y[i] * s
        }
        let qr = HouseholderQR(rowMajor: x, rows: rows.count, columns: used.count)
        guard qr.isFullRank else { return nil }
        let cov = qr.unscaledCovariance()
        let sub = solve(qr, y: yy, stdev: (0..<used.count).map { cov[$0 * used.count + $0].squareRoot() })
        var coefficients = [Double](repeating: .nan, count: p), stdev = coefficients
        for (c, j) in used.enumerated() { coefficients[j] = sub.coefficients[c]; stdev[j] = sub.stdev[c] }
        return GeneFit(coefficients: coefficients, stdev: stdev, sigma: sub.sigma, df: sub.df)
    }
}
