import Foundation
import PerturbBase

/// Writes an agreement analysis: per-pair and per-query TSVs, the long summary, the paper-layout tables (TSV and
/// Markdown), SVG heatmaps of the headline metrics and a Markdown report.
public enum AgreementReport {
    /// The metrics drawn as heatmaps (Tables 4, 5 and 6).
    static let headline: [AgreementMetric] = [.degSpearmanSym, .directionAgreement, .spearmanAll]

    /// Files written into `directory`, in writing order.
    @discardableResult
    public static func write(
        analysis: AgreementAnalysis, summary: [AgreementEstimate], bootstrap: BootstrapOptions, inputs: [String],
        to directory: URL
    ) throws -> [URL] {
        var written: [URL] = []
        func save(_ table: DelimitedTable, _ name: String) throws {
            let url = directory.appendingPathComponent(name)
            try table.write(url)
            written.append(url)
        }
        try save(AgreementRecords.pairs(analysis), "pairs.tsv")
        try save(AgreementRecords.retrieval(analysis), "retrieval.tsv")
        try save(AgreementRecords.summary(summary), "summary.tsv")
        let tables = AgreementTables.all(summary)
        for table in tables {
            try save(table.tsv, table.name + ".tsv")
            let url = directory.appendingPathComponent(table.name + ".md")
            try AtomicFile.write("# \(table.title)\n\n" + table.markdown.render(), to: url)
            written.append(url)
        }
        var figures: [(metric: AgreementMetric, observed: String, delta: String)] = []
        for metric in headline where summary.contains(where: { $0.metric == metric.rawValue }) {
            guard case let (observed, delta)? = heatmaps(analysis: analysis, summary: summary, metric: metric) else {
                continue
            }
            let observedName = "heatmap_\(metric.rawValue).svg"
            let deltaName = "heatmap_\(metric.rawValue)_delta.svg"
            try AtomicFile.write(observed.render(), to: directory.appendingPathComponent(observedName))
            try AtomicFile.write(delta.render(), to: directory.appendingPathComponent(deltaName))
            written += [directory.appendingPathComponent(observedName), directory.appendingPathComponent(deltaName)]
            figures.append((metric, observedName, deltaName))
        }
        let reportURL = directory.appendingPathComponent("report.md")
        try AtomicFile.write(
            markdown(analysis: analysis, tables: tables, bootstrap: bootstrap, inputs: inputs, figures: figures),
            to: reportURL)
        written.append(reportURL)
        return written
    }

    /// Dataset × dataset heatmaps of one metric over the datasets that have a matched or replicate pair (nil when
    /// none has): off-diagonal cells are cross-dataset matched pairs (symmetric), diagonal cells replicate agreement
    /// within the dataset; the second map shows Δ vs the source centroid. The observed map's colours span the
    /// metric's natural range (`AgreementMetric.valueRange`).
    static func heatmaps(
        analysis: AgreementAnalysis, summary: [AgreementEstimate], metric: AgreementMetric
    ) -> (observed: HeatmapSVG, delta: HeatmapSVG)? {
        let names = analysis.sets.map(\.dataset)
        var observed = [[Double]](repeating: [Double](repeating: .nan, count: names.count), count: names.count)
        var delta = observed
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        for e in summary where e.metric == metric.rawValue && e.comparison != "retrieval" {
            guard let i = index[e.datasetA], let j = index[e.datasetB] else { continue }
            if e.quantity == "observed" {
                observed[i][j] = e.interval.estimate
                observed[j][i] = e.interval.estimate
            }
            if e.quantity == "delta_vs_source_centroid" {
                delta[i][j] = e.interval.estimate
                delta[j][i] = e.interval.estimate
            }
        }
        let labels = names.map(DatasetOrder.label)
        let range = metric.valueRange
        let observedScale =
            range.lowerBound < 0
            ? ColorScale(kind: .diverging(center: 0), low: range.lowerBound, high: range.upperBound)
            : ColorScale(kind: .sequential, low: range.lowerBound, high: range.upperBound)
        let observedMap = HeatmapSVG(
            title: "\(metric.title) — matched pairs (diagonal: replicates)", rowLabels: labels, columnLabels: labels,
            values: observed, scale: observedScale, legendTitle: "mean over units")
        let deltaMap = HeatmapSVG(
            title: "\(metric.title) — Δ vs source centroid", rowLabels: labels, columnLabels: labels,
            values: delta, scale: ColorScale.fitting(delta.flatMap { $0 }, divergingAround: 0),
            legendTitle: "observed − source centroid")
        guard let shownObserved = observedMap.droppingEmptyRowsAndColumns(),
            let shownDelta = deltaMap.droppingEmptyRowsAndColumns()
        else { return nil }
        return (shownObserved, shownDelta)
    }

    static func markdown(
        analysis: AgreementAnalysis, tables: [AgreementTables.Table], bootstrap: BootstrapOptions, inputs: [String],
        figures: [(metric: AgreementMetric, observed: String, delta: String)]
    ) -> String {
        let cross = analysis.pairs.filter { $0.kind == .crossDataset }
        let replicate = analysis.pairs.filter { $0.kind == .replicate }
        let rules = analysis.rules
        var md = "# Agreement of matched conditions\n\n"
        md += "Inputs: \(inputs.map { "`\($0)`" }.joined(separator: ", ")).\n\n"
        var de = MarkdownTable(header: ["dataset", "conditions", "genes", "DE rule"])
        for set in analysis.sets {
            de.rows.append([
                DatasetOrder.label(set.dataset), String(set.conditions.count), String(set.genes.count),
                set.deRules.map(\.description).joined(separator: "; "),
            ])
        }
        md += "## Datasets and DE rule\n\n" + de.render() + "\n"
        if analysis.sets.contains(where: { $0.deRules.contains(where: \.isFallback) }) {
            md += "**Flag:** datasets marked FALLBACK carry no p-value layer, so their DE genes are called by |logFC|, "
            md += "not by the reference's adjusted P < 0.05; their DEG-restricted metrics are not the paper's.\n\n"
        }
        md += "## Matching\n\n"
        md += "Same \(rules.description.replacingOccurrences(of: ",", with: ", "))"
        if rules.dose {
            md += "; doses: mutual nearest within a \(SVGText.value(rules.maxDoseFold, digits: 0))-fold ratio"
        }
        md += "; contexts (cell type, time) kept with ≥ \(rules.minContextCompounds) distinct matched compounds. "
        md += "Gene universe: "
        md +=
            analysis.options.geneScope == .global
            ? "intersection over all datasets with the cell type. " : "genes shared by the pair. "
        md += "Matched pairs: \(cross.count) cross-dataset, \(replicate.count) replicate; "
        md += "retrieval queries: \(analysis.retrieval.count).\n\n"
        md += "Files: [pairs.tsv](pairs.tsv) (every matched pair with its baselines), [retrieval.tsv](retrieval.tsv) "
        md += "(every query), [summary.tsv](summary.tsv) (every quantity with its CI)"
        md += tables.map { ", [\($0.name).tsv](\($0.name).tsv)" }.joined() + ".\n\n"
        md += "## How to read\n\n"
        md += "- n units = drug-line-time units (pairs averaged per dataset pair, cell type, time, compound); "
        md += "the estimate is the mean over units and the interval a \(Int(bootstrap.level * 100)) % "
        md += "compound-clustered \(bootstrap.bca ? "BCa" : "percentile") bootstrap "
        md += "(\(bootstrap.draws) draws, seed \(bootstrap.seed)). Retrieval rows are queries (both directions), "
        md += "clustered by compound, the mean over directions of the mean over (cell type, time) strata.\n"
        md += "- Baselines use same-context different-compound peers (same dataset, cell type, dose and time, "
        md += "other compound): source centroid = each sample against the mean of its own dataset's peers (the "
        md += "paper's baseline), target centroid = against the other dataset's peers, source/target peer = the "
        md += "peers one by one (≤ \(analysis.options.maxPeers), seed \(analysis.options.peerSeed)); "
        md += "Δ = observed − baseline per pair. Target-peer percentile = (1 + #peers below observed)/(K + 1).\n\n"
        let figureOf: [String: AgreementMetric] = [
            "table4_deg_spearman": .degSpearmanSym, "table5_direction_agreement": .directionAgreement,
            "table6_signature_spearman": .spearmanAll,
        ]
        for table in tables {
            md += "## \(table.title)\n\n" + table.markdown.render() + "\n"
            if let metric = figureOf[table.name], let f = figures.first(where: { $0.metric == metric }) {
                md += "![\(metric.rawValue)](\(f.observed)) ![\(metric.rawValue) delta](\(f.delta))\n\n"
            }
        }
        if analysis.pairs.isEmpty {
            md += "No matched pairs were found: check that the datasets share compounds, cell types, times and doses "
            md += "within the fold ratio in at least \(rules.minContextCompounds) compounds per context "
            md += "(`--min-context-compounds`), or that replicate rows exist.\n"
        }
        return md
    }
}
