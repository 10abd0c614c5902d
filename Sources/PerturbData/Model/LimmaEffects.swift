import Foundation
import PerturbBase
import PerturbStats

/// How condition-level effects are computed from samples.
public enum EffectMethod: String, CaseIterable, Codable, Sendable {
    /// limma (PerturbStats): a linear model per context with one level per treated condition and per control group,
    /// contrasts of each condition against its control groups, empirical Bayes moderation (trended for log
    /// expression); counts go through filterByExpr → TMM → voom first.
    case limma
    /// The mean difference to the matched controls with a Welch t (`EffectBuilder`).
    case meanDifference = "mean-diff"
}

/// Replaces the pooled effects of `EffectBuilder` by limma's (spec §1.2): per context, the design `~ 0 + level` over
/// the context's treated samples and the controls of their control groups (a control group is a plate, or plate +
/// context + time, so plate effects are absorbed by the control levels), the contrast of each condition against the
/// mean of its control groups, `eBayes` (trend on intensity for log expression), and layers `t`, `pvalue`,
/// `adj_pvalue` (BH over every contrast and gene of the fit, the reference's across-contrast adjustment), `B`,
/// `AveExpr` and `clipped_sign_log10_pval` = sign(logFC)·(−log10 max(P, 1e-4)). logFC becomes the contrast estimate
/// (on the voom log-CPM scale for counts). A context whose design leaves no residual degrees of freedom, or is
/// singular, keeps the mean differences without statistics and is counted in the report.
public enum LimmaEffects {
    /// Genes per block of the streamed log-expression fit.
    static let limmaBlockGenes = 1024

    /// - Parameters:
    ///   - values: samples × genes (row-major): log expression, or raw counts when `counts`.
    ///   - trend: `eBayes(trend = TRUE)` (the reference's choice for normalized log expression, e.g. L1000).
    public static func apply(to result: inout EffectBuilder.Result, values: [Float], samples: [SampleAnnotation], counts: Bool,
                             trend: Bool, report: inout IngestReport) {
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
            var groupsOf: [Condition: Set<String>] = [:]
            for i in treated { groupsOf[samples[i].condition!.pooled, default: []].insert(samples[i].controlGroup) }
            let groups = groupsOf.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            let controls = samples.indices.filter { samples[$0].condition == nil && groups.contains(samples[$0].controlGroup) }
            let used = treated + controls
            var levels: [String] = [], levelOf: [String: String] = [:]
            var sampleLevels: [String] = []
            for i in used {
                let key = samples[i].condition.map { "condition\u{1}" + $0.pooled.id } ?? "control\u{1}" + samples[i].controlGroup
                if levelOf[key] == nil { levelOf[key] = "L\(levels.count)"; levels.append("L\(levels.count)") }
                sampleLevels.append(levelOf[key]!)
            }
            guard used.count > levels.count else {
                report.skip("limma: no residual degrees of freedom in the context (one sample per level); mean differences kept without statistics",
                            example: context)
                continue
            }
            let design = DesignMatrix.groups(sampleLevels, levels: levels)
            var geneKept = [Bool](repeating: true, count: g)
            var fitGenes = Array(0..<g)
            let conditionRows = pooled.conditions.indices.filter { pooled.conditions[$0].context == context }
            let contrasts: [(name: String, weights: [String: Double])] = conditionRows.map { r in
                let condition = pooled.conditions[r]
                let own = groupsOf[condition]!.sorted()
                var w = [levelOf["condition\u{1}" + condition.id]!: 1.0]
                for group in own { w[levelOf["control\u{1}" + group]!, default: 0] -= 1 / Double(own.count) }
                return (condition.id, w)
            }
            /// Genes × used samples (Double) of `genes` from the sample-major Float input.
            func geneMajor(_ genes: Range<Int>) -> [Double] {
                var y = [Double](repeating: .nan, count: genes.count * used.count)
                for (s, i) in used.enumerated() { for (k, j) in genes.enumerated() { y[k * used.count + s] = Double(values[i * g + j]) } }
                return y
            }
            do {
                let contrastFit: LinearModelFit
                if counts {
                    let finiteCounts = geneMajor(0..<g).map { $0.isFinite ? max(0, $0) : 0 }
                    geneKept = CountNormalization.filterByExpression(finiteCounts, genes: g, samples: used.count, design: design)
                    fitGenes = (0..<g).filter { geneKept[$0] }
                    let dropped = g - fitGenes.count
                    if dropped > 0 { report.notes.append("limma (\(context)): \(dropped) of \(g) genes below filterByExpr's expression threshold, not measured") }
                    let kept = fitGenes.flatMap { j in finiteCounts[(j * used.count)..<((j + 1) * used.count)] }
                    let factors = CountNormalization.tmmFactors(kept, genes: fitGenes.count, samples: used.count)
                    let voom = try Voom.transform(counts: kept, genes: fitGenes.count, samples: used.count, design: design, normalizationFactors: factors)
                    contrastFit = Contrasts.fit(try LinearModel.fit(expression: voom.expression, genes: fitGenes.count, design: design,
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
                for (ci, r) in conditionRows.enumerated() {
                    for j in 0..<g { if !geneKept[j] { pooled.measured[r * g + j] = false; pooled.logFC[r * g + j] = 0 } }
                    for (fi, j) in fitGenes.enumerated() {
                        let i = fi * k + ci, cell = r * g + j
                        let logFC = contrastFit.coefficients[i]
                        guard logFC.isFinite, pooled.measured[cell] else { pooled.measured[cell] = false; pooled.logFC[cell] = 0; continue }
                        pooled.logFC[cell] = Float(logFC)
                        layers["t"]![cell] = Float(moderated.t[i])
                        layers["pvalue"]![cell] = Float(moderated.pValue[i])
                        layers["adj_pvalue"]![cell] = Float(adjusted[i])
                        layers["B"]![cell] = Float(moderated.lods[i])
                        layers["AveExpr"]![cell] = Float(contrastFit.amean[fi])
                        let magnitude = -log10(max(moderated.pValue[i], 1e-4))
                        layers["clipped_sign_log10_pval"]![cell] = Float(logFC > 0 ? magnitude : (logFC < 0 ? -magnitude : 0))
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
