import Foundation
import PerturbBase

/// Tables, Markdown and the forest plot of the paired holdout statistics: `holdout_units.tsv` (seed-mean unit
/// RMSEs), `holdout_paired_deltas.tsv` (per dataset and compared family), `holdout_wilcoxon.tsv` (across datasets)
/// and `holdout_delta_forest.svg` (Δ̂ with CIs per dataset).
public enum HoldoutComparisonReport {
    /// One row per family × dataset × unit.
    public static func unitTable(_ units: [HoldoutUnitScore]) -> DelimitedTable {
        DelimitedTable(
            header: ["family", "dataset", "molecule", "context", "log_dose", "time", "rmse", "n_seeds"],
            rows: units.map { u in
                [
                    u.family, u.dataset, u.unit.molecule, u.unit.context, number(u.unit.logDose),
                    number(u.unit.timeHours), number(u.rmse), "\(u.seeds)",
                ]
            })
    }

    /// One row per compared family × dataset.
    public static func deltaTable(_ comparison: HoldoutComparison) -> DelimitedTable {
        let header = [
            "dataset", "baseline", "family", "n_units", "n_molecules", "delta", "ci_low", "ci_high", "ci_method",
            "nested_win_rate", "compound_win_rate", "welch_t", "welch_df", "welch_p", "holm_p",
        ]
        return DelimitedTable(
            header: header,
            rows: comparison.deltas.map { d in
                [
                    d.dataset, d.baseline, d.family, "\(d.units)", "\(d.molecules)", number(d.interval.estimate),
                    number(d.interval.low),
                    number(d.interval.high), d.interval.method.rawValue, number(d.nestedWinRate),
                    number(d.compoundWinRate),
                    number(d.welch?.statistic), number(d.welch?.degreesOfFreedom), number(d.welch?.pValue),
                    number(d.holmP),
                ]
            })
    }

    /// One row per compared family.
    public static func wilcoxonTable(_ comparison: HoldoutComparison) -> DelimitedTable {
        let header = [
            "baseline", "family", "n_datasets", "wins", "mean_delta", "median_delta", "W", "p_greater", "p_two_sided",
            "method", "datasets",
        ]
        return DelimitedTable(
            header: header,
            rows: comparison.acrossDatasets.map { a in
                [
                    a.baseline, a.family, "\(a.datasets.count)", "\(a.wins)", number(a.meanDelta),
                    number(a.medianDelta),
                    number(a.greater?.statistic), number(a.greater?.pValue), number(a.twoSided?.pValue),
                    a.greater?.method.rawValue ?? "NA", a.datasets.joined(separator: ","),
                ]
            })
    }

    /// The Markdown section of `holdout_summary.md`: definitions, the per-dataset table and the across-dataset tests.
    public static func markdown(_ comparison: HoldoutComparison) -> String {
        let c = comparison
        var md = "## Paired Δ test RMSE vs \(c.baseline) (units, compound-clustered BCa)\n\n"
        md +=
            "Units: (molecule, context, log dose, time) of a dataset's test conditions; a unit's RMSE is pooled over its measured "
        md +=
            "genes per seed, then averaged over seeds. Δ = RMSE(\(c.baseline)) − RMSE(family): positive = the family is better. "
        md +=
            "Δ̂ = mean over (context, time) strata of the stratum mean Δ, with its 95% BCa CI from \(c.bootstrap.draws) draws of "
        md +=
            "whole molecules (seed \(c.bootstrap.seed)). Nested win rate: the same nested mean of 1[Δ > 0]; compound win rate: "
        md +=
            "the fraction of molecules whose mean Δ is > 0. Welch t: per-seed pooled test RMSEs of \(c.baseline) vs the family, "
        md += "Holm-adjusted over datasets.\n\n"
        let withWelch = c.deltas.contains { $0.welch != nil }
        var header = ["family", "dataset", "molecules", "units", "Δ̂", "95% CI", "nested win", "compound win"]
        if withWelch { header += ["Welch t", "df", "p", "Holm p"] }
        let rows = c.deltas.map { d -> [String] in
            var row = [
                d.family, d.dataset, "\(d.molecules)", "\(d.units)", signed(d.interval.estimate), interval(d.interval),
                fixed(d.nestedWinRate, 3), fixed(d.compoundWinRate, 3),
            ]
            if withWelch {
                row += [
                    fixed(d.welch?.statistic, 3), fixed(d.welch?.degreesOfFreedom, 1), pValue(d.welch?.pValue),
                    pValue(d.holmP),
                ]
            }
            return row
        }
        md += MarkdownTable(header: header, rows: rows, rightAligned: Set(2..<header.count)).render()
        if !withWelch { md += "\nWelch t-tests need at least 2 seeds per family.\n" }
        md += "\n## Across datasets: Wilcoxon signed-rank test of the seed-mean Δ\n\n"
        md +=
            "Per dataset Δ = mean over seeds of the pooled test RMSE of \(c.baseline) minus that of the family; W = R+ "
        md +=
            "(rank sum of the positive Δ), one-sided p for 'the family is better' (SciPy `wilcoxon`, zeros dropped).\n\n"
        let testHeader = ["family", "wins", "mean Δ", "median Δ", "W", "p (one-sided)", "p (two-sided)"]
        md += MarkdownTable(
            header: testHeader,
            rows: c.acrossDatasets.map { a in
                [
                    a.family, "\(a.wins)/\(a.datasets.count)", signed(a.meanDelta), signed(a.medianDelta),
                    fixed(a.greater?.statistic, 1),
                    pValue(a.greater?.pValue), pValue(a.twoSided?.pValue),
                ]
            }, rightAligned: Set(1..<testHeader.count)
        ).render()
        return md
    }

    /// Δ̂ with its CI per dataset (rows) and compared family (colours).
    public static func forestPlot(_ comparison: HoldoutComparison) -> ForestPlotSVG {
        let datasets = comparison.deltas.map(\.dataset).uniqued()
        let points = datasets.map { dataset in
            comparison.families.map { family -> BarChartSVG.Bar? in
                guard let d = comparison.deltas.first(where: { $0.dataset == dataset && $0.family == family }) else {
                    return nil
                }
                return BarChartSVG.Bar(value: d.interval.estimate, low: d.interval.low, high: d.interval.high)
            }
        }
        return ForestPlotSVG(
            title: "Δ test RMSE vs \(comparison.baseline) (positive = family better), 95% clustered BCa CI",
            xLabel: "Δ RMSE", groups: datasets, series: comparison.families, points: points)
    }

    /// Writes the unit table and, with a comparison, its two tables and the forest plot; returns the files.
    static func write(units: [HoldoutUnitScore], comparison: HoldoutComparison?, to folder: URL) throws -> [URL] {
        var tables = [("holdout_units.tsv", unitTable(units))]
        if let comparison {
            tables += [
                ("holdout_paired_deltas.tsv", deltaTable(comparison)),
                ("holdout_wilcoxon.tsv", wilcoxonTable(comparison)),
            ]
        }
        var written: [URL] = []
        for (name, table) in tables {
            let url = folder.appendingPathComponent(name)
            try table.write(url, delimiter: "\t")
            written.append(url)
        }
        if let comparison, !comparison.deltas.isEmpty {
            let url = folder.appendingPathComponent("holdout_delta_forest.svg")
            try AtomicFile.write(forestPlot(comparison).render(), to: url)
            written.append(url)
        }
        return written
    }

    /// A TSV number with 10 significant digits; `NA` when missing or non-finite.
    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "NA" }
        return String(format: "%.10g", v)
    }

    static func fixed(_ v: Double?, _ digits: Int) -> String { SVGText.value(v, digits: digits) }

    static func signed(_ v: Double) -> String { v.isFinite ? String(format: "%+.6f", v) : "n/a" }

    static func pValue(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "n/a" }
        return String(format: "%.4g", v)
    }

    /// `[low, high]`, the method when it is not BCa, or why there is no interval.
    static func interval(_ ci: ConfidenceInterval) -> String {
        switch ci.method {
        case .notEstimable: return "not estimable (\(ci.clusters) molecule\(ci.clusters == 1 ? "" : "s"))"
        case .bca: return "[\(signed(ci.low)), \(signed(ci.high))]"
        case .percentile, .degenerate: return "[\(signed(ci.low)), \(signed(ci.high))] \(ci.method.rawValue)"
        }
    }
}
