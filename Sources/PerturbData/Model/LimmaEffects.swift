import Foundation
import PerturbBase
import PerturbStats

/// How condition-level effects are computed from samples.
public enum EffectMethod: String, CaseIterable, Codable, Sendable {
    /// limma (PerturbStats): a linear model per context (`LimmaDesign`), contrasts of each condition against its
    /// controls, empirical Bayes moderation (trended for log expression); counts go through filterByExpr → TMM →
    /// voom first.
    case limma
    /// The mean difference to the matched controls with a Welch t (`EffectBuilder`).
    case meanDifference = "mean-diff"
}

/// Replaces the pooled effects of `EffectBuilder` by limma's (spec §1.2): per context, the design of `LimmaDesign`
/// (by default the reference's `~ 0 + cond + plate` with the context's controls pooled per time; or one level per
/// control group, which absorbs plate effects), the contrast of each condition against its controls, `eBayes`
/// (trend on intensity for log expression), and layers `t`, `pvalue`,
/// `adj_pvalue` (BH over every contrast and gene of the fit, the reference's across-contrast adjustment), `B`,
/// `AveExpr` and `clipped_sign_log10_pval` = sign(logFC)·(−log10 max(P, 1e-4)). logFC becomes the contrast estimate
/// (on the voom log-CPM scale for counts). A context whose design leaves no residual degrees of freedom, or is
/// singular, keeps the mean differences without statistics and is counted in the report.
public enum LimmaEffects {
    /// The model and contrasts of `design`, as provenance records them.
    public static func formula(_ design: LimmaDesign) -> String {
        switch design {
        case .plateCovariate:
            return
                "~0 + condition + plate (controls pooled per context and time), contrasts vs the controls of the condition's time"
        case .controlGroups:
            return "~0 + condition + control group, contrasts vs the mean of the condition's control groups"
        }
    }

    /// Genes per block of the streamed log-expression fit.
    static let limmaBlockGenes = 1024

    /// - Parameters:
    ///   - values: samples × genes (row-major): log expression, or raw counts when `counts`.
    ///   - trend: `eBayes(trend = TRUE)` (the reference's choice for normalized log expression, e.g. L1000).
    ///   - design: the layout of each context's model (`LimmaDesign`).
    public static func apply(
        to result: inout EffectBuilder.Result, values: [Float], samples: [SampleAnnotation], counts: Bool,
        trend: Bool, design: LimmaDesign = .plateCovariate, report: inout IngestReport
    ) {
        var pooled = result.pooled
        let g = pooled.genes.count, rowsOut = pooled.rowCount
        let rowOf = Dictionary(pooled.conditions.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var layers: [String: [Float]] = [:]
        for name in ["t", "pvalue", "adj_pvalue", "B", "AveExpr", "clipped_sign_log10_pval"] {
            layers[name] = [Float](repeating: .nan, count: rowsOut * g)
        }
        let groupsWithControls = Set(samples.filter { $0.condition == nil }.map(\.controlGroup))
        var anyFit = false
        var contexts: [String] = []
        for c in pooled.conditions where !contexts.contains(c.context) { contexts.append(c.context) }
        for context in contexts {
            // Treated samples of the context whose control group has controls (EffectBuilder skipped the others).
            let treated = samples.indices.filter { i in
                samples[i].condition.map { rowOf[$0.pooled] != nil && $0.context == context } ?? false
                    && groupsWithControls.contains(samples[i].controlGroup)
            }
            let conditionRows = pooled.conditions.indices.filter { pooled.conditions[$0].context == context }
            let layout = ContextDesign.make(
                design, samples: samples, treated: treated, context: context,
                conditions: conditionRows.map { pooled.conditions[$0] })
            for condition in layout.withoutControls {
                report.skip(
                    "limma: no vehicle control of the condition's time in its context; mean difference kept without statistics",
                    example: condition.id)
            }
            let used = layout.used, contrasts = layout.contrasts.map { (name: $0.condition.id, weights: $0.weights) }
            guard !contrasts.isEmpty else { continue }
            guard used.count > layout.design.columns else {
                report.skip(
                    "limma: no residual degrees of freedom in the context (one sample per level); mean differences kept without statistics",
                    example: context)
                continue
            }
            let design = layout.design
            var geneKept = [Bool](repeating: true, count: g)
            var fitGenes = Array(0..<g)
            /// Genes × used samples (Double) of `genes` from the sample-major Float input.
            func geneMajor(_ genes: Range<Int>) -> [Double] {
                var y = [Double](repeating: .nan, count: genes.count * used.count)
                for (s, i) in used.enumerated() {
                    for (k, j) in genes.enumerated() { y[k * used.count + s] = Double(values[i * g + j]) }
                }
                return y
            }
            do {
                let contrastFit: LinearModelFit
                if counts {
                    let finiteCounts = geneMajor(0..<g).map { $0.isFinite ? max(0, $0) : 0 }
                    geneKept = CountNormalization.filterByExpression(
                        finiteCounts, genes: g, samples: used.count, design: design)
                    fitGenes = (0..<g).filter { geneKept[$0] }
                    let dropped = g - fitGenes.count
                    if dropped > 0 {
                        report.notes.append(
                            "limma (\(context)): \(dropped) of \(g) genes below filterByExpr's expression threshold, not measured"
                        )
                    }
                    let kept = fitGenes.flatMap { j in finiteCounts[(j * used.count)..<((j + 1) * used.count)] }
                    let factors = CountNormalization.tmmFactors(kept, genes: fitGenes.count, samples: used.count)
                    let voom = try Voom.transform(
                        counts: kept, genes: fitGenes.count, samples: used.count, design: design,
                        normalizationFactors: factors)
                    contrastFit = Contrasts.fit(
                        try LinearModel.fit(
                            expression: voom.expression, genes: fitGenes.count, design: design,
                            weights: voom.weights), contrasts: contrasts)
                } else {
                    // Log expression streams through the fit in blocks of genes: one block of the input in double
                    // precision at a time and the contrast-level fit, never the whole matrix or every coefficient.
                    var stream = try StreamingLimma(design: design, contrasts: contrasts, expectedGenes: g)
                    for start in stride(from: 0, to: g, by: limmaBlockGenes) {
                        let block = start..<min(g, start + limmaBlockGenes)
                        try stream.add(expression: geneMajor(block), genes: block.count)
                    }
                    contrastFit = stream.fit
                }
                let moderated = EmpiricalBayes.moderate(contrastFit, trend: trend)
                let adjusted = BenjaminiHochberg.adjust(moderated.pValue)
                anyFit = true
                let k = contrasts.count
                for (ci, r) in layout.contrasts.map({ rowOf[$0.condition]! }).enumerated() {
                    for j in 0..<g {
                        if !geneKept[j] { pooled.measured[r * g + j] = false; pooled.logFC[r * g + j] = 0 }
                    }
                    for (fi, j) in fitGenes.enumerated() {
                        let i = fi * k + ci, cell = r * g + j
                        let logFC = contrastFit.coefficients[i]
                        guard logFC.isFinite, pooled.measured[cell] else {
                            pooled.measured[cell] = false; pooled.logFC[cell] = 0; continue
                        }
                        pooled.logFC[cell] = Float(logFC)
                        layers["t"]![cell] = Float(moderated.t[i])
                        layers["pvalue"]![cell] = Float(moderated.pValue[i])
                        layers["adj_pvalue"]![cell] = Float(adjusted[i])
                        layers["B"]![cell] = Float(moderated.lods[i])
                        layers["AveExpr"]![cell] = Float(contrastFit.amean[fi])
                        let magnitude = -log10(max(moderated.pValue[i], 1e-4))
                        layers["clipped_sign_log10_pval"]![cell] = Float(
                            logFC > 0 ? magnitude : (logFC < 0 ? -magnitude : 0))
                    }
                }
            } catch {
                report.skip("limma: \(error); mean differences kept without statistics", example: context)
            }
        }
        if anyFit { pooled.extraLayers = layers }
        result.pooled = pooled
    }
}
