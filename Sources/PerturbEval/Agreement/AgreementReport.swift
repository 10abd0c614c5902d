import Foundation
import PerturbBase

/// Writes an agreement analysis: per-pair long TSV, per dataset-pair summary TSV, SVG heatmaps and a Markdown report.
public enum AgreementReport {
    /// Files written into `directory`, in writing order.
    @discardableResult
    public static func write(
        analysis: AgreementAnalysis, summary: [AgreementSummaryRow], bootstrap: BootstrapOptions, inputs: [String], to directory: URL
    ) throws -> [URL] {
        var written: [URL] = []
        let pairsURL = directory.appendingPathComponent("pairs.tsv")
        try pairsTable(analysis).write(pairsURL)
        written.append(pairsURL)
        let summaryURL = directory.appendingPathComponent("summary.tsv")
        try summaryTable(summary).write(summaryURL)
        written.append(summaryURL)
        var figures: [(metric: AgreementMetric, observed: String, margin: String)] = []
        for metric in AgreementMetric.allCases {
            guard case let (observed, margin)? = heatmaps(analysis: analysis, summary: summary, metric: metric) else {
                continue
            }
            let observedName = "heatmap_\(metric.rawValue).svg", marginName = "heatmap_\(metric.rawValue)_margin.svg"
            try AtomicFile.write(observed.render(), to: directory.appendingPathComponent(observedName))
            try AtomicFile.write(margin.render(), to: directory.appendingPathComponent(marginName))
            written += [directory.appendingPathComponent(observedName), directory.appendingPathComponent(marginName)]
            figures.append((metric, observedName, marginName))
        }
        let reportURL = directory.appendingPathComponent("report.md")
        try AtomicFile.write(markdown(analysis: analysis, summary: summary, bootstrap: bootstrap, inputs: inputs, figures: figures), to: reportURL)
        written.append(reportURL)
        return written
    }

    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "NaN" }
    static func optional(_ v: Double?) -> String { v.map { String(format: "%.12g", $0) } ?? "" }

    /// One row per scored pair (observed and baselines).
    public static func pairsTable(_ analysis: AgreementAnalysis) -> DelimitedTable {
        var header = ["kind", "role", "observed_pair"]
        for side in ["a", "b"] { header += ["dataset_\(side)", "context_\(side)", "compound_\(side)", "dose_um_\(side)", "time_h_\(side)", "replicate_\(side)"] }
        header += ["n_genes"] + AgreementMetric.allCases.map(\.rawValue)
        var table = DelimitedTable(header: header)
        for pair in analysis.pairs {
            var row = [pair.kind.rawValue, pair.role.rawValue, String(pair.observed)]
            for ref in [pair.a, pair.b] {
                let set = analysis.sets[ref.set], c = set.conditions[ref.row]
                row += [set.dataset, c.context, c.compound, optional(c.doseMicromolar), optional(c.timeHours), c.replicate ?? ""]
            }
            row += [String(pair.genes)] + AgreementMetric.allCases.map { number(pair.scores[$0] ?? .nan) }
            table.rows.append(row)
        }
        return table
    }

    /// One row per (comparison, dataset pair, metric).
    public static func summaryTable(_ summary: [AgreementSummaryRow]) -> DelimitedTable {
        var table = DelimitedTable(header: [
            "comparison", "dataset_a", "dataset_b", "metric", "n_pairs", "n_units", "n_compounds", "mean", "ci_low", "ci_high",
            "ci_method", "baseline_context_mean", "baseline_random_mean", "margin", "margin_ci_low", "margin_ci_high",
            "margin_ci_method", "margin_random", "baseline_centroid_mean", "margin_centroid", "margin_centroid_ci_low",
            "margin_centroid_ci_high",
        ])
        for r in summary {
            table.rows.append([
                r.kind.rawValue, r.datasetA, r.datasetB, r.metric.rawValue, String(r.pairs), String(r.units), String(r.compounds),
                number(r.observed.estimate), number(r.observed.low), number(r.observed.high), r.observed.method.rawValue,
                number(r.baselineContext), number(r.baselineRandom), number(r.margin.estimate), number(r.margin.low),
                number(r.margin.high), r.margin.method.rawValue, number(r.marginRandom), number(r.baselineCentroid),
                number(r.marginCentroid.estimate), number(r.marginCentroid.low), number(r.marginCentroid.high),
            ])
        }
        return table
    }

    /// Dataset × dataset heatmaps of one metric over the datasets that have a matched or replicate pair (nil when
    /// none has): off-diagonal cells are cross-dataset matched pairs (symmetric), diagonal cells are replicate
    /// agreement within the dataset; the second map shows the margin over the same-context different-compound
    /// baseline. The observed map's colours span the metric's natural range (`AgreementMetric.valueRange`).
    static func heatmaps(analysis: AgreementAnalysis, summary: [AgreementSummaryRow], metric: AgreementMetric)
        -> (observed: HeatmapSVG, margin: HeatmapSVG)? {
        let names = analysis.sets.map(\.dataset)
        var observed = [[Double]](repeating: [Double](repeating: .nan, count: names.count), count: names.count)
        var margin = observed
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        for r in summary where r.metric == metric {
            guard let i = index[r.datasetA], let j = index[r.datasetB] else { continue }
            observed[i][j] = r.observed.estimate; observed[j][i] = r.observed.estimate
            margin[i][j] = r.margin.estimate; margin[j][i] = r.margin.estimate
        }
        let lowerBetter = !metric.higherIsBetter
        let observedScale: ColorScale
        switch metric.valueRange {
        case let range? where range.lowerBound < 0:
            observedScale = ColorScale(kind: .diverging(center: 0), low: range.lowerBound, high: range.upperBound)
        case let range?:
            observedScale = ColorScale(kind: .sequential, low: range.lowerBound, high: range.upperBound)
        case nil:
            observedScale = ColorScale.fitting(observed.flatMap { $0 }, reversed: lowerBetter)
        }
        let observedMap = HeatmapSVG(
            title: "\(metric.title) — matched pairs (diagonal: replicates)", rowLabels: names, columnLabels: names,
            values: observed, scale: observedScale, legendTitle: "mean over units")
        let marginMap = HeatmapSVG(
            title: "\(metric.title) — margin over same-context different-compound baseline", rowLabels: names,
            columnLabels: names, values: margin,
            scale: ColorScale.fitting(margin.flatMap { $0 }, divergingAround: 0, reversed: lowerBetter),
            legendTitle: lowerBetter ? "observed − baseline (lower = better)" : "observed − baseline")
        guard let shownObserved = observedMap.droppingEmptyRowsAndColumns(),
              let shownMargin = marginMap.droppingEmptyRowsAndColumns() else { return nil }
        return (shownObserved, shownMargin)
    }

    static func markdown(
        analysis: AgreementAnalysis, summary: [AgreementSummaryRow], bootstrap: BootstrapOptions, inputs: [String],
        figures: [(metric: AgreementMetric, observed: String, margin: String)]
    ) -> String {
        let observed = analysis.pairs.filter { $0.role == .observed }
        var md = "# Agreement of matched conditions\n\n"
        md += "Inputs: \(inputs.map { "`\($0)`" }.joined(separator: ", ")). Datasets: \(analysis.sets.map { "\($0.dataset) (\($0.conditions.count) conditions, \($0.genes.count) genes)" }.joined(separator: "; ")).\n\n"
        md += "Matching rule: same \(analysis.rules.description.replacingOccurrences(of: ",", with: ", "))"
        md += analysis.rules.dose ? " (doses: mutual nearest within a \(SVGText.value(analysis.rules.maxDoseFold, digits: 0))-fold ratio)" : ""
        md += "; replicate pairs: replicate rows of one dataset that share the compound and the same rules"
        md += analysis.rules.dose ? " (same dose: replicates of one condition). " : " (any dose: replicates across the compound's doses). "
        md += "Top-k = \(analysis.options.topK), DE threshold |logFC| > \(analysis.options.deThreshold). "
        md += "Observed pairs: \(observed.filter { $0.kind == .crossDataset }.count) cross-dataset, \(observed.filter { $0.kind == .replicate }.count) replicate.\n\n"
        md += "Files: [pairs.tsv](pairs.tsv) (every scored pair, including baselines), [summary.tsv](summary.tsv) (per dataset pair and metric).\n\n"
        md += "## How to read\n\n"
        md += "- Each observed pair gets two baselines: the first profile against a profile of the second dataset with the same context "
        md += "(and time when matched on time) but a different compound (`baseline_context`), and a random pair of profiles of the two "
        md += "datasets with different compounds (`baseline_random`). The reference's published baseline is also given "
        md += "(`baseline_source_centroid`): each side scored against the mean profile of its own dataset's same context, dose and time "
        md += "different-compound peers, the two sides averaged. The margin is observed − same-context baseline; a margin near 0 "
        md += "means matched compounds agree no better than unrelated compounds in the same cells.\n"
        md += "- Means are over drug-line-time units (pairs averaged per context, time, compound); confidence intervals are "
        md += "\(Int(bootstrap.level * 100)) % compound-clustered \(bootstrap.bca ? "BCa" : "percentile") bootstrap intervals "
        md += "(\(bootstrap.draws) draws, seed \(bootstrap.seed)).\n"
        md += "- Metrics: Spearman/Pearson of logFC over shared measured genes; `spearman_de` = mean of the Spearman over each side's DE genes; "
        md += "direction agreement = fraction of genes with the same sign (over genes DE in both, in either, or in the union of top-k); "
        md += "top-k Jaccard/overlap of the genes with the largest |logFC|; norm ratio = smaller/larger L2 norm (magnitude agreement); "
        md += "scaled RMSE = RMSE after z-scoring each dataset by its global logFC mean and sd (lower is better; its margin is better when negative).\n\n"
        md += "## Summary\n\n"
        for metric in AgreementMetric.allCases {
            let rows = summary.filter { $0.metric == metric }
            guard !rows.isEmpty else { continue }
            md += "### \(metric.title) (`\(metric.rawValue)`)\n\n"
            var table = MarkdownTable(header: ["comparison", "pair", "units", "compounds", "mean [CI]", "same-context baseline",
                                               "random baseline", "margin [CI]", "source centroid", "margin vs centroid [CI]"],
                                      rightAligned: [2, 3, 4, 5, 6, 7, 8, 9])
            for r in rows {
                table.rows.append([
                    r.kind.rawValue, r.kind == .replicate ? r.datasetA : "\(r.datasetA) – \(r.datasetB)", String(r.units), String(r.compounds),
                    "\(SVGText.value(r.observed.estimate)) [\(SVGText.value(r.observed.low)), \(SVGText.value(r.observed.high))]",
                    SVGText.value(r.baselineContext), SVGText.value(r.baselineRandom),
                    "\(SVGText.value(r.margin.estimate)) [\(SVGText.value(r.margin.low)), \(SVGText.value(r.margin.high))]",
                    SVGText.value(r.baselineCentroid),
                    "\(SVGText.value(r.marginCentroid.estimate)) [\(SVGText.value(r.marginCentroid.low)), \(SVGText.value(r.marginCentroid.high))]",
                ])
            }
            md += table.render() + "\n"
            if let f = figures.first(where: { $0.metric == metric }) {
                md += "![\(metric.rawValue)](\(f.observed)) ![\(metric.rawValue) margin](\(f.margin))\n\n"
            }
        }
        if observed.isEmpty {
            md += "No matched pairs were found: check that the datasets share compound keys (and contexts/doses/times for the "
            md += "selected rules), or that replicate rows exist.\n"
        }
        return md
    }
}
