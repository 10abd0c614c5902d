import Foundation

/// limma's `lmFit` → `contrasts.fit` over genes that arrive in blocks, for fits too large to hold whole (a Tahoe cell
/// line: thousands of conditions × 20,000 genes): the design is factored once, each block of genes is fitted and
/// reduced to its contrasts at once, and only the contrast-level fit is kept (genes × contrasts estimates and
/// unscaled standard deviations, plus σ, residual df and mean intensity per gene). Neither the whole expression
/// matrix nor the coefficient-level fit ever exists. `fit` is then moderated like any fit
/// (`EmpiricalBayes.moderate`, whose prior needs every gene's σ and df); the numbers equal the one-shot calls'
/// (gene fits are independent), which a test checks.
public struct StreamingLimma {
    public let prepared: PreparedDesign
    public let contrasts: [(name: String, weights: [String: Double])]
    private var coefficients: [Double] = [], stdevUnscaled: [Double] = []
    private var sigma: [Double] = [], dfResidual: [Double] = [], amean: [Double] = []
    private var contrastCovariance: [Double]?
    /// Genes fitted so far.
    public private(set) var genes = 0

    /// `expectedGenes` reserves the contrast-level arrays once (optional).
    public init(
        design: DesignMatrix, contrasts: [(name: String, weights: [String: Double])], expectedGenes: Int = 0
    ) throws {
        prepared = try PreparedDesign(design)
        self.contrasts = contrasts
        let cells = expectedGenes * contrasts.count
        coefficients.reserveCapacity(cells)
        stdevUnscaled.reserveCapacity(cells)
        sigma.reserveCapacity(expectedGenes)
        dfResidual.reserveCapacity(expectedGenes)
        amean.reserveCapacity(expectedGenes)
    }

    /// Fits the next `genes` genes: `expression` is genes × samples (row-major, NaN = missing), `weights` (voom's
    /// precision weights) the same shape.
    public mutating func add(expression: [Double], genes count: Int, weights: [Double]? = nil) throws {
        let block = Contrasts.fit(
            try LinearModel.fit(expression: expression, genes: count, prepared: prepared, weights: weights),
            contrasts: contrasts)
        coefficients += block.coefficients
        stdevUnscaled += block.stdevUnscaled
        sigma += block.sigma
        dfResidual += block.dfResidual
        amean += block.amean
        contrastCovariance = contrastCovariance ?? block.covCoefficients
        genes += count
    }

    /// The contrast-level fit of every gene added, in the order added.
    public var fit: LinearModelFit {
        LinearModelFit(
            genes: genes, names: contrasts.map(\.name), coefficients: coefficients, stdevUnscaled: stdevUnscaled,
            sigma: sigma, dfResidual: dfResidual, amean: amean, covCoefficients: contrastCovariance ?? [])
    }
}
