import Foundation
import PerturbBase
import PerturbData

/// Summary of the OP3 protocol: per feature set and metric, mean ± sd over seeds of the mean row score, a
/// compound-clustered bootstrap CI (strata = cell type) of the seed-averaged row scores, and the difference to the
/// descriptor-free `none` baseline oriented so that a positive Δ is better (`none − x` for RMSE/MAE, `x − none` for
/// correlations), with its clustered CI and the share of rows where the feature set wins; the same against the
/// per-context training mean (`baseline_mean`) when the trivial baselines were scored.
public struct OP3Summary: Sendable {
    /// The metrics of the OP3 benchmark, in report order.
    public static let metrics: [RowwiseMetric] = [.rmse, .mae, .pearson, .spearman, .cosine]
    public static let baseline = "none"
    public static let meanBaseline = TrivialBaseline.contextMean.rawValue

    public struct Row: Sendable {
        public var feature: String
        public var metric: RowwiseMetric
        public var seeds: SeedAggregate
        public var interval: ConfidenceInterval
        public var delta: ConfidenceInterval?
        public var winRate: Double?
        /// Δ vs the per-context training mean, oriented as `delta`.
        public var deltaVsMean: ConfidenceInterval?
        public var winRateVsMean: Double?
    }

    public var rows: [Row]

    public init(_ result: OP3ProtocolResult, bootstrap: BootstrapOptions) {
        let task = result.task
        let clusters = result.testRows.map { task.table.conditions[$0].compounds[0] }
        let strata = result.testRows.map { task.table.conditions[$0].context }
        func averaged(_ feature: String, _ metric: RowwiseMetric) -> [Double] {
            let runs = result.results.filter { $0.feature == feature }
            return result.testRows.indices.map { i in
                VectorStatistics.finiteMean(runs.map { $0.scores.perRow[metric]![i] }) ?? .nan
            }
        }
        var rows: [Row] = []
        let names = Set(result.features.map(\.name))
        /// Δ of `feature` against `reference` (positive = better) with its clustered CI and win rate over rows.
        func compare(
            _ feature: String, _ rowScores: [Double], to reference: String, _ metric: RowwiseMetric, label: String
        )
            -> (ConfidenceInterval?, Double?)
        {
            guard names.contains(reference), feature != reference else { return (nil, nil) }
            let d = zip(rowScores, averaged(reference, metric)).map { metric.higherIsBetter ? $0 - $1 : $1 - $0 }
            let ci = ClusterBootstrap.meanCI(
                values: d, clusters: clusters, strata: strata, options: bootstrap,
                label: "\(label)/\(feature)/\(metric.rawValue)")
            let finite = d.filter(\.isFinite)
            return (ci, finite.isEmpty ? nil : Double(finite.filter { $0 > 0 }.count) / Double(finite.count))
        }
        for (feature, _) in result.features {
            for metric in Self.metrics {
                let seedMeans = result.results.filter { $0.feature == feature }.map { $0.scores.mean(metric) }
                let rowScores = averaged(feature, metric)
                let interval = ClusterBootstrap.meanCI(
                    values: rowScores, clusters: clusters, strata: strata, options: bootstrap,
                    label: "op3/\(feature)/\(metric.rawValue)")
                let (delta, winRate) = compare(feature, rowScores, to: Self.baseline, metric, label: "op3-delta")
                let (deltaVsMean, winRateVsMean) = compare(
                    feature, rowScores, to: Self.meanBaseline, metric, label: "op3-delta-mean")
                rows.append(
                    Row(
                        feature: feature, metric: metric, seeds: SeedAggregate(seedMeans), interval: interval,
                        delta: delta, winRate: winRate, deltaVsMean: deltaVsMean, winRateVsMean: winRateVsMean))
            }
        }
        self.rows = rows
    }

    /// Markdown: mean ± sd table, CI table and (with a baseline) the Δ table.
    public func markdown() -> String {
        let features = rows.map(\.feature).uniqued()
        let header = ["features"] + Self.metrics.map(\.reportName)
        func table(_ cell: (Row) -> String) -> String {
            MarkdownTable(
                header: header,
                rows: features.map { f in
                    [f] + Self.metrics.map { m in rows.first { $0.feature == f && $0.metric == m }.map(cell) ?? "" }
                }, rightAligned: Set(1..<header.count)
            ).render()
        }
        var out =
            "Mean ± sd over seeds of the mean row score on the held-out compounds:\n\n" + table { $0.seeds.formatted() }
        out += "\nCompound-clustered bootstrap 95% CI (strata = cell type) of the seed-averaged row scores:\n\n"
        out += table { Self.format($0.interval) }
        for (title, delta, win) in [
            ("Δ vs `none`", \Row.delta, \Row.winRate),
            ("Δ vs the per-context training mean (`\(Self.meanBaseline)`)", \Row.deltaVsMean, \Row.winRateVsMean),
        ]
        where rows.contains(where: { $0[keyPath: delta] != nil }) {
            out += "\n\(title) (positive = better), clustered CI, win rate over rows:\n\n"
            out += MarkdownTable(
                header: header,
                rows: features.filter { f in rows.contains { $0.feature == f && $0[keyPath: delta] != nil } }.map { f in
                    [f]
                        + Self.metrics.map { m in
                            guard let r = rows.first(where: { $0.feature == f && $0.metric == m }),
                                let d = r[keyPath: delta]
                            else { return "" }
                            return Self.format(d) + (r[keyPath: win].map { String(format: " (%.2f)", $0) } ?? "")
                        }
                }, rightAligned: Set(1..<header.count)
            ).render()
        }
        return out
    }

    /// TSV with one line per feature set and metric.
    public func table() -> DelimitedTable {
        DelimitedTable(
            header: [
                "features", "metric", "mean", "sd", "n_seeds", "estimate", "ci_low", "ci_high", "ci_method",
                "delta_vs_none", "delta_ci_low", "delta_ci_high", "delta_ci_method", "delta_win_rate",
                "delta_vs_mean", "delta_mean_ci_low", "delta_mean_ci_high", "delta_mean_ci_method",
                "delta_mean_win_rate",
            ],
            rows: rows.map { r in
                [
                    r.feature, r.metric.rawValue, Self.number(r.seeds.mean), Self.number(r.seeds.sd),
                    "\(r.seeds.count)",
                    Self.number(r.interval.estimate), Self.number(r.interval.low), Self.number(r.interval.high),
                    r.interval.method.rawValue,
                    Self.number(r.delta?.estimate), Self.number(r.delta?.low), Self.number(r.delta?.high),
                    r.delta?.method.rawValue ?? "",
                    Self.number(r.winRate),
                    Self.number(r.deltaVsMean?.estimate), Self.number(r.deltaVsMean?.low),
                    Self.number(r.deltaVsMean?.high),
                    r.deltaVsMean?.method.rawValue ?? "", Self.number(r.winRateVsMean),
                ]
            })
    }

    static func format(_ ci: ConfidenceInterval) -> String {
        guard ci.low.isFinite, ci.high.isFinite else { return String(format: "%.4f", ci.estimate) }
        return String(format: "%.4f [%.4f, %.4f]", ci.estimate, ci.low, ci.high)
    }

    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "NA" }
        return String(format: "%.6f", v)
    }
}

extension RowwiseMetric {
    /// Column title in reports (OP3 names).
    public var reportName: String {
        switch self {
        case .rmse: return "MRRMSE"
        case .mae: return "MAE"
        case .pearson: return "Pearson"
        case .spearman: return "Spearman"
        case .cosine: return "cosine"
        case .r2: return "R²"
        case .directionAccuracy: return "direction"
        case .topKOverlap: return "top-k"
        }
    }
}

extension Array where Element: Hashable {
    /// Elements in first-seen order without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

/// Writes the OP3 protocol's files into a folder: `split.tsv`, `op3_rows.tsv` (every row score), `op3_seeds.tsv`,
/// `op3_summary.tsv`, `op3_summary.md`, one bar chart per metric (`op3_<metric>.svg`, bootstrap CI error bars) and
/// `op3_deltas.svg` (Δ vs `none` with CIs) and per feature set `op3_predicted_observed_<feature>.svg` (its first
/// seed's held-out predictions against the truth). The protocol itself writes `predictions/` (truth and one
/// prediction `.h5ad` per feature set and seed, see `OP3ProtocolOptions.predictionsFolder`).
public enum OP3Report {
    @discardableResult
    public static func write(
        _ result: OP3ProtocolResult, summary: OP3Summary, options: OP3ProtocolOptions, to folder: URL
    ) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        let splitURL = folder.appendingPathComponent("split.tsv")
        try result.split.write(to: splitURL)
        written.append(splitURL)

        let task = result.task
        var rowLines: [[String]] = [], seedLines: [[String]] = []
        for run in result.results {
            for metric in RowwiseMetric.allCases {
                let values = run.scores.perRow[metric]!
                for (i, r) in result.testRows.enumerated() {
                    let c = task.table.conditions[r]
                    rowLines.append([
                        run.feature, "\(run.seed)", c.id, c.context, task.compoundName(Int(task.rowCompound[r])),
                        metric.rawValue, OP3Summary.number(values[i]),
                    ])
                }
                seedLines.append([
                    run.feature, "\(run.seed)", metric.rawValue, OP3Summary.number(run.scores.mean(metric)),
                ])
            }
        }
        let files: [(String, DelimitedTable)] = [
            (
                "op3_rows.tsv",
                DelimitedTable(
                    header: ["features", "seed", "condition_id", "cell_type", "compound", "metric", "value"],
                    rows: rowLines)
            ),
            ("op3_seeds.tsv", DelimitedTable(header: ["features", "seed", "metric", "value"], rows: seedLines)),
            ("op3_summary.tsv", summary.table()),
        ]
        for (name, table) in files {
            let url = folder.appendingPathComponent(name)
            try table.write(url, delimiter: "\t")
            written.append(url)
        }
        let heldOut = result.split.molecules(in: SplitAssignment.test).count
        var md = "# OP3 compound-held-out evaluation\n\n"
        md +=
            "- target layer: `\(options.layer)`; \(task.rowCount) rows × \(task.genes.count) genes, \(task.compounds.count) compounds, cell types \(task.cellTypes.joined(separator: ", "))\n"
        md +=
            "- split: \(Int(options.testFraction * 100)) % of compounds held out with seed \(options.splitSeed): \(heldOut) compounds, \(result.testRows.count) rows (all cell types); \(result.trainRows.count) training rows\n"
        md += "- predictor: \(options.predictorDescription)\n"
        md +=
            "- seeds: \(options.seeds.map(String.init).joined(separator: " ")); bootstrap: \(options.bootstrap.draws) draws, clusters = compounds, strata = cell types\n"
        md +=
            "- feature sets: "
            + result.features.map { f in
                f.covered.map { "\(f.name) (\($0)/\(task.compounds.count) compounds)" } ?? f.name
            }.joined(separator: ", ") + "\n"
        let shrunk = result.features.compactMap { f -> String? in
            let factors = result.results.filter { $0.feature == f.name }.compactMap(\.shrinkage)
            guard !factors.isEmpty else { return nil }
            let mean = factors.reduce(0, +) / Float(factors.count)
            return "\(f.name) " + String(format: "%.3f", mean) + " ("
                + factors.map { String(format: "%.2f", $0) }
                .joined(separator: ", ") + ")"
        }
        if !shrunk.isEmpty {
            md +=
                "- shrinkage of the residual prediction toward the training mean (0 = the mean, 1 = unshrunk; "
                + "chosen by cross-validation over the training compounds), mean (per seed): "
                + shrunk.joined(separator: "; ") + "\n"
        }
        for note in task.notes { md += "- note: \(note)\n" }
        md += "\n" + summary.markdown()
        // The summary is written last: its presence means the report is complete (the demo skips the stage by it).
        let mdURL = folder.appendingPathComponent("op3_summary.md"), summaryIndex = written.count

        let features = result.features.map(\.name)
        for metric in OP3Summary.metrics {
            let bars = features.map { f -> [BarChartSVG.Bar?] in
                guard let r = summary.rows.first(where: { $0.feature == f && $0.metric == metric }) else {
                    return [nil]
                }
                return [
                    BarChartSVG.Bar(
                        value: r.interval.estimate, low: r.interval.low.isFinite ? r.interval.low : nil,
                        high: r.interval.high.isFinite ? r.interval.high : nil)
                ]
            }
            let chart = BarChartSVG(
                title: "OP3 held-out compounds: \(metric.reportName) (95% clustered CI)", yLabel: metric.reportName,
                groups: features, series: [metric.reportName], bars: bars)
            let url = folder.appendingPathComponent("op3_\(metric.rawValue).svg")
            try AtomicFile.write(chart.render(), to: url)
            written.append(url)
        }
        let compared = features.filter { f in summary.rows.contains { $0.feature == f && $0.delta != nil } }
        if !compared.isEmpty {
            let bars = OP3Summary.metrics.map { m in
                compared.map { f -> BarChartSVG.Bar? in
                    guard let d = summary.rows.first(where: { $0.feature == f && $0.metric == m })?.delta else {
                        return nil
                    }
                    return BarChartSVG.Bar(
                        value: d.estimate, low: d.low.isFinite ? d.low : nil, high: d.high.isFinite ? d.high : nil)
                }
            }
            let chart = BarChartSVG(
                title: "Δ vs none (positive = better), 95% clustered CI", yLabel: "Δ",
                groups: OP3Summary.metrics.map(\.reportName), series: compared, bars: bars)
            let url = folder.appendingPathComponent("op3_deltas.svg")
            try AtomicFile.write(chart.render(), to: url)
            written.append(url)
        }
        for feature in features {
            guard let sample = result.predictedObserved[feature] else { continue }
            let seed = options.seeds.first.map { ", seed \($0)" } ?? ""
            let chart = sample.figure(title: "OP3 held-out rows, \(feature)\(seed)", quantity: options.layer)
            let name = "op3_predicted_observed_\(OP3PredictionFiles.safeName(feature)).svg"
            let url = folder.appendingPathComponent(name)
            try AtomicFile.write(chart.render(), to: url)
            written.append(url)
        }
        try AtomicFile.write(md, to: mdURL)
        written.insert(mdURL, at: summaryIndex)
        return written
    }
}
