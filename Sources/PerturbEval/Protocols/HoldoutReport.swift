import Foundation
import PerturbBase
import PerturbData

/// Mean ± sd over seeds per family, dataset, split and metric of the molecule-holdout long table.
public struct HoldoutSummary: Sendable {
    public struct Cell: Sendable {
        public var family: String
        public var dataset: String
        public var split: String
        public var metric: String
        public var aggregate: SeedAggregate
    }

    public var cells: [Cell]
    public var families: [String]
    public var datasets: [String]

    public init(_ measurements: [HoldoutMeasurement], families: [String], datasets: [String]) {
        var groups: [String: [Double]] = [:]
        for m in measurements {
            groups[[m.family, m.dataset, m.split, m.metric].joined(separator: "\u{1}"), default: []].append(m.value)
        }
        var cells: [Cell] = []
        for family in families {
            for dataset in datasets {
                for split in [SplitAssignment.val, SplitAssignment.test] {
                    for metric in HoldoutProtocol.metrics {
                        guard let values = groups[[family, dataset, split, metric].joined(separator: "\u{1}")] else {
                            continue
                        }
                        cells.append(
                            Cell(
                                family: family, dataset: dataset, split: split, metric: metric,
                                aggregate: SeedAggregate(values)))
                    }
                }
            }
        }
        self.cells = cells
        self.families = families
        self.datasets = datasets
    }

    public func cell(family: String, dataset: String, split: String, metric: String) -> Cell? {
        cells.first { $0.family == family && $0.dataset == dataset && $0.split == split && $0.metric == metric }
    }

    /// The reference layout: one row per dataset, one column per family, `mean ± sd (n)` of `metric` on `split`.
    /// Datasets without conditions on `split` (the split held none of their molecules out) are listed below the
    /// table instead of filling a row with NA.
    public func markdown(split: String, metric: String) -> String {
        let header = ["dataset"] + families
        let scored = datasets.filter { d in
            families.contains { cell(family: $0, dataset: d, split: split, metric: metric) != nil }
        }
        let rows = scored.map { d in
            [d]
                + families.map { f in
                    guard let c = cell(family: f, dataset: d, split: split, metric: metric) else { return "NA" }
                    return c.aggregate.formatted() + " (n=\(c.aggregate.count))"
                }
        }
        var md =
            scored.isEmpty
            ? "" : MarkdownTable(header: header, rows: rows, rightAligned: Set(1..<header.count)).render()
        let unscored = datasets.filter { !scored.contains($0) }
        if !unscored.isEmpty {
            md +=
                (md.isEmpty ? "" : "\n") + "Not scored (no \(split) conditions): \(unscored.joined(separator: ", ")).\n"
        }
        return md
    }

    /// Long summary TSV.
    public func table() -> DelimitedTable {
        DelimitedTable(
            header: ["family", "dataset", "split", "metric", "mean", "sd", "n"],
            rows: cells.map { c in
                [
                    c.family, c.dataset, c.split, c.metric, OP3Summary.number(c.aggregate.mean),
                    OP3Summary.number(c.aggregate.sd), "\(c.aggregate.count)",
                ]
            })
    }
}

/// Writes the molecule-holdout files: `holdout_long.tsv/.md` (family, seed, dataset, split, metric, value),
/// `holdout_summary.tsv/.md` (mean ± sd per family and dataset, then the paired statistics), `holdout_runs.tsv` (the
/// checkpoint behind each number), `finetune_init.tsv` (the checkpoint each dataset's fine-tunes start from), one bar
/// chart per split and metric (`holdout_<split>_<metric>.svg`, mean ± sd error bars, datasets × families), per target
/// dataset `holdout_predicted_observed_<dataset>.svg` (test predictions of the first family's first seed) and the
/// files of `HoldoutComparisonReport` (unit RMSEs; with a comparison, paired deltas, Wilcoxon tests and the forest
/// plot). `split.tsv` is written by the protocol itself.
public enum HoldoutReport {
    @discardableResult
    public static func write(
        _ result: HoldoutResult, summary: HoldoutSummary, units: [HoldoutUnitScore], comparison: HoldoutComparison?,
        settings: [String], meanComparison: HoldoutComparison? = nil, publishedTable: URL? = nil,
        to folder: URL
    ) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        let longHeader = ["family", "seed", "dataset", "split", "metric", "value"]
        let longRows = result.measurements.map {
            [$0.family, "\($0.seed)", $0.dataset, $0.split, $0.metric, OP3Summary.number($0.value)]
        }
        let tables: [(String, DelimitedTable)] = [
            ("holdout_long.tsv", DelimitedTable(header: longHeader, rows: longRows)),
            ("holdout_summary.tsv", summary.table()),
            (
                "holdout_runs.tsv",
                DelimitedTable(
                    header: ["family", "seed", "dataset", "epoch", "selection", "checkpoint"],
                    rows: result.runs.map {
                        [
                            $0.family, "\($0.seed)", $0.dataset, "\($0.epoch)", $0.selection,
                            relativePath($0.checkpoint, to: folder),
                        ]
                    })
            ),
            (
                "finetune_init.tsv",
                DelimitedTable(
                    header: [
                        "encoder", "dataset", "source_seed", "epoch", "validation_rmse", "selection", "checkpoint",
                    ],
                    rows: result.finetuneInits.map {
                        [
                            $0.encoder.rawValue, $0.dataset, "\($0.sourceSeed)", "\($0.epoch)",
                            OP3Summary.number($0.validationRMSE), $0.selection,
                            relativePath($0.checkpoint, to: folder),
                        ]
                    })
            ),
        ]
        for (name, table) in tables {
            let url = folder.appendingPathComponent(name)
            try table.write(url, delimiter: "\t")
            written.append(url)
        }
        let longMD = folder.appendingPathComponent("holdout_long.md")
        try AtomicFile.write(
            MarkdownTable(header: longHeader, rows: longRows, rightAligned: [1, 5]).render(), to: longMD)
        written.append(longMD)

        var md = "# Molecule holdout across datasets\n\n"
        for line in settings { md += "- \(line)\n" }
        md += "- split: \(result.split.kind), seed \(result.split.seed); conditions train/val/test per dataset: "
        md +=
            result.targets.map { d in
                let c = result.split.counts(dataset: d)
                return
                    "\(d) \(c[SplitAssignment.train] ?? 0)/\(c[SplitAssignment.val] ?? 0)/\(c[SplitAssignment.test] ?? 0)"
            }.joined(separator: ", ") + "\n"
        md += "- seeds: \(result.seeds.map(String.init).joined(separator: " "))\n\n"
        for split in [SplitAssignment.test, SplitAssignment.val] {
            md +=
                "## \(split) RMSE (pooled over measured values; mean ± sd over seeds)\n\n"
                + summary.markdown(split: split, metric: "rmse") + "\n"
        }
        md +=
            (comparison.map(HoldoutComparisonReport.markdown)
                ?? "## Paired Δ test RMSE\n\nNot computed: the families hold no baseline (a scratch family, or the one given) with a transfer family to compare.\n")
            + "\n"
        if let meanComparison { md += HoldoutComparisonReport.markdown(meanComparison) + "\n" }
        for metric in ["pearson", "r2", "mae"] {
            md += "## test \(metric)\n\n" + summary.markdown(split: SplitAssignment.test, metric: metric) + "\n"
        }
        // The summary is written last: its presence means the report is complete (the demo skips the stage by it).
        let mdURL = folder.appendingPathComponent("holdout_summary.md"), summaryIndex = written.count

        for split in [SplitAssignment.test, SplitAssignment.val] {
            for metric in HoldoutProtocol.metrics {
                let bars = summary.datasets.map { d in
                    summary.families.map { f -> BarChartSVG.Bar? in
                        guard let a = summary.cell(family: f, dataset: d, split: split, metric: metric)?.aggregate,
                            a.mean.isFinite
                        else { return nil }
                        return a.sd.isFinite
                            ? BarChartSVG.Bar(value: a.mean, low: a.mean - a.sd, high: a.mean + a.sd)
                            : BarChartSVG.Bar(value: a.mean)
                    }
                }
                guard bars.joined().contains(where: { $0 != nil }) else { continue }
                let chart = BarChartSVG(
                    title: "Molecule holdout: \(split) \(metric) (mean ± sd over seeds)", yLabel: "\(split) \(metric)",
                    groups: summary.datasets, series: summary.families, bars: bars)
                let url = folder.appendingPathComponent("holdout_\(split)_\(metric).svg")
                try AtomicFile.write(chart.render(), to: url)
                written.append(url)
            }
        }
        for p in result.predictedObserved {
            let title = "Molecule holdout test rows of \(p.dataset), \(p.family), seed \(p.seed)"
            let chart = p.sample.figure(title: title, quantity: "logFC")
            let name = "holdout_predicted_observed_\(HoldoutProtocol.safeName(p.dataset)).svg"
            let url = folder.appendingPathComponent(name)
            try AtomicFile.write(chart.render(), to: url)
            written.append(url)
        }
        written += try HoldoutComparisonReport.write(units: units, comparison: comparison, to: folder)
        if let meanComparison {
            let url = folder.appendingPathComponent("holdout_paired_deltas_vs_mean.tsv")
            try HoldoutComparisonReport.deltaTable(meanComparison).write(url, delimiter: "\t")
            written.append(url)
        }
        let paper = HoldoutPaperTable(summary)
        let paperTSV = folder.appendingPathComponent("holdout_paper10.tsv"),
            paperMD = folder.appendingPathComponent("holdout_paper10.md")
        try paper.table().write(paperTSV, delimiter: "\t")
        try AtomicFile.write(paper.markdown(), to: paperMD)
        written += [paperTSV, paperMD]
        if let publishedTable {
            let url = folder.appendingPathComponent("holdout_vs_paper.md")
            try AtomicFile.write(
                "# Test RMSE beside \(publishedTable.lastPathComponent)\n\n" + paper.comparison(with: publishedTable),
                to: url)
            written.append(url)
        }
        try AtomicFile.write(md, to: mdURL)
        written.insert(mdURL, at: summaryIndex)
        return written
    }

    static func relativePath(_ url: URL, to folder: URL) -> String {
        let base = folder.standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }
}
