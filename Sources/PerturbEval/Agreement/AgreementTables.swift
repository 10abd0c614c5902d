import Foundation
import PerturbBase

/// The agreement tables in the layouts of the paper's Tables 4, 5, 6 and 9 (seed spec §6.5), plus the DE-overlap
/// and replicate tables: one row per dataset pair in the canonical order, each quantity as estimate with its
/// compound-clustered BCa interval.
public enum AgreementTables {
    /// A table as TSV (numbers in full) and Markdown (3 decimals, "n/a" where undefined).
    public struct Table {
        public var name: String
        public var title: String
        public var tsv: DelimitedTable
        public var markdown: MarkdownTable
    }

    /// A column: a quantity, its Markdown heading, and whether the Markdown shows the interval.
    struct Column {
        var quantity: String
        var heading: String
        var interval: Bool
    }

    /// Looks estimates up by (comparison, datasets, metric, quantity).
    struct Lookup {
        let index: [String: AgreementEstimate]
        init(_ estimates: [AgreementEstimate]) {
            var index = [String: AgreementEstimate]()
            for e in estimates { index[Self.key(e.comparison, e.datasetA, e.datasetB, e.metric, e.quantity)] = e }
            self.index = index
        }
        static func key(_ parts: String...) -> String { parts.joined(separator: "\u{1F}") }
        func callAsFunction(
            _ comparison: String, _ a: String, _ b: String, _ metric: String, _ quantity: String
        ) -> AgreementEstimate? {
            index[Self.key(comparison, a, b, metric, quantity)]
        }
    }

    /// Every table of `estimates` (tables without rows are left out).
    public static func all(_ estimates: [AgreementEstimate]) -> [Table] {
        let pairColumns: (Bool) -> [Column] = { peers in
            [
                Column(quantity: "observed", heading: "observed [95% CI]", interval: true),
                Column(quantity: "source_centroid", heading: "source centroid", interval: false),
                Column(quantity: "delta_vs_source_centroid", heading: "Δ vs source centroid [95% CI]", interval: true),
                Column(quantity: "target_centroid", heading: "target centroid", interval: false),
                Column(quantity: "delta_vs_target_centroid", heading: "Δ vs target centroid [95% CI]", interval: true),
            ]
                + (peers
                    ? [
                        Column(quantity: "source_peer", heading: "source peer", interval: false),
                        Column(quantity: "target_peer", heading: "target peer", interval: false),
                        Column(quantity: "delta_vs_target_peer", heading: "Δ vs target peer [95% CI]", interval: true),
                        Column(
                            quantity: "target_peer_corrected_percentile", heading: "target-peer percentile",
                            interval: false),
                    ]
                    : [])
        }
        let overlap = [Column(quantity: "observed", heading: "", interval: true)]
        var tables = [
            pairTable(
                estimates, name: "table4_deg_spearman", comparison: "cross_dataset",
                title: "Table 4 — rank agreement: DEG-restricted logFC Spearman (symmetric)",
                metrics: [AgreementMetric.degSpearmanSym.rawValue], columns: pairColumns(true)),
            pairTable(
                estimates, name: "table5_direction_agreement", comparison: "cross_dataset",
                title: "Table 5 — direction agreement on genes DE in both samples",
                metrics: [AgreementMetric.directionAgreement.rawValue], columns: pairColumns(true)),
            pairTable(
                estimates, name: "table6_signature_spearman", comparison: "cross_dataset",
                title: "Table 6 — signature similarity: all-gene logFC Spearman",
                metrics: [AgreementMetric.spearmanAll.rawValue], columns: pairColumns(true)),
            pairTable(
                estimates, name: "de_overlap", comparison: "cross_dataset",
                title: "DE-gene overlap (observed): reference-size and top-k over DE genes ranked by |logFC|",
                metrics: [AgreementMetric.overlapRefNSym, .overlapK50, .overlapK100, .overlapK200].map(\.rawValue),
                columns: overlap),
            pairTable(
                estimates, name: "replicate_agreement", comparison: "replicate",
                title: "Replicate agreement (replicates of one condition within a dataset)",
                metrics: [AgreementMetric.degSpearmanSym, .directionAgreement, .spearmanAll].map(\.rawValue),
                columns: [
                    Column(quantity: "observed", heading: "", interval: true),
                    Column(quantity: "source_centroid", heading: "source centroid", interval: false),
                ]),
        ]
        let similarities = RetrievalSimilarity.allCases.map(\.rawValue).filter { s in
            estimates.contains { $0.metric == s }
        }
        tables.append(retrievalTable(estimates, similarities: similarities))
        return tables.filter { !$0.tsv.rows.isEmpty }
    }

    /// Distinct (dataset A, dataset B) of a comparison, in estimate order.
    static func datasetPairs(_ estimates: [AgreementEstimate], comparison: String) -> [(String, String)] {
        var seen = Set<String>()
        var out: [(String, String)] = []
        for e in estimates where e.comparison == comparison && seen.insert(e.datasetA + "\u{1F}" + e.datasetB).inserted
        {
            out.append((e.datasetA, e.datasetB))
        }
        return out
    }

    /// One row per dataset pair; for each metric the given columns. With several metrics, headings are prefixed by
    /// the metric and each metric gets its own finite-unit and compound counts (TSV), the Markdown showing units only.
    static func pairTable(
        _ estimates: [AgreementEstimate], name: String, comparison: String, title: String,
        metrics: [String], columns: [Column]
    ) -> Table {
        let lookup = Lookup(estimates)
        let single = metrics.count == 1
        var header =
            ["dataset_pair", "dataset_a", "dataset_b", "n_units"] + (single ? ["n_finite_units", "n_compounds"] : [])
        var mdHeader = ["dataset pair", "n units"] + (single ? ["n finite", "n compounds"] : [])
        for metric in metrics {
            if !single { header += ["\(metric)_n_finite_units", "\(metric)_n_compounds"] }
            for column in columns {
                let stem = single ? column.quantity : "\(metric)_\(column.quantity)"
                header += [stem, stem + "_ci_low", stem + "_ci_high"]
                mdHeader.append(
                    single ? column.heading : [metric, column.heading].filter { !$0.isEmpty }.joined(separator: " "))
            }
        }
        var tsv = DelimitedTable(header: header)
        var md = MarkdownTable(header: mdHeader, rightAligned: Set(1..<mdHeader.count))
        for (a, b) in datasetPairs(estimates, comparison: comparison) {
            guard let anchor = lookup(comparison, a, b, metrics[0], "observed") else { continue }
            let label = comparison == "replicate" ? DatasetOrder.label(a) : DatasetOrder.pairLabel(a, b)
            let counts = { (e: AgreementEstimate?) in [String(e?.finiteRows ?? 0), String(e?.interval.clusters ?? 0)] }
            var row = [label, a, b, String(anchor.rows)] + (single ? counts(anchor) : [])
            var mdRow = [label, String(anchor.rows)] + (single ? counts(anchor) : [])
            for metric in metrics {
                if !single { row += counts(lookup(comparison, a, b, metric, "observed")) }
                for column in columns {
                    let e = lookup(comparison, a, b, metric, column.quantity)
                    row += [e?.interval.estimate, e?.interval.low, e?.interval.high].map { number($0 ?? .nan) }
                    mdRow.append(cell(e, interval: column.interval, signed: column.quantity.hasPrefix("delta")))
                }
            }
            tsv.rows.append(row)
            md.rows.append(mdRow)
        }
        return Table(name: name, title: title, tsv: tsv, markdown: md)
    }

    /// Table 9: one row per dataset pair and similarity.
    static func retrievalTable(_ estimates: [AgreementEstimate], similarities: [String]) -> Table {
        let lookup = Lookup(estimates)
        let columns = [
            Column(quantity: "observed_normalized_rank", heading: "normalized rank [95% CI]", interval: true),
            Column(quantity: "observed_recall_at_1", heading: "Recall@1 [95% CI]", interval: true),
            Column(quantity: "observed_auroc", heading: "AUROC [95% CI]", interval: true),
            Column(quantity: "null_normalized_rank", heading: "null rank", interval: false),
            Column(quantity: "source_centroid_normalized_rank", heading: "source-centroid rank", interval: false),
            Column(
                quantity: "delta_vs_source_centroid_normalized_rank", heading: "Δ vs source centroid [95% CI]",
                interval: true),
            Column(quantity: "target_centroid_normalized_rank", heading: "target-centroid rank", interval: false),
            Column(quantity: "source_peer_normalized_rank", heading: "source-peer rank", interval: false),
            Column(quantity: "target_peer_normalized_rank", heading: "target-peer rank", interval: false),
            Column(
                quantity: "delta_vs_target_peer_normalized_rank", heading: "Δ vs target peer [95% CI]", interval: true),
        ]
        var header = ["dataset_pair", "dataset_a", "dataset_b", "similarity", "n_queries", "n_compounds"]
        for c in columns { header += [c.quantity, c.quantity + "_ci_low", c.quantity + "_ci_high"] }
        var tsv = DelimitedTable(header: header)
        let mdHeader = ["dataset pair", "similarity", "n queries", "n compounds"] + columns.map(\.heading)
        var md = MarkdownTable(header: mdHeader, rightAligned: Set(2..<mdHeader.count))
        for similarity in similarities {
            for (a, b) in datasetPairs(estimates, comparison: "retrieval") {
                guard let anchor = lookup("retrieval", a, b, similarity, "observed_normalized_rank") else { continue }
                let label = DatasetOrder.pairLabel(a, b)
                var row = [label, a, b, similarity, String(anchor.rows), String(anchor.interval.clusters)]
                var mdRow = [label, similarity, String(anchor.rows), String(anchor.interval.clusters)]
                for c in columns {
                    let e = lookup("retrieval", a, b, similarity, c.quantity)
                    row += [e?.interval.estimate, e?.interval.low, e?.interval.high].map { number($0 ?? .nan) }
                    mdRow.append(cell(e, interval: c.interval, signed: c.quantity.hasPrefix("delta")))
                }
                tsv.rows.append(row)
                md.rows.append(mdRow)
            }
        }
        return Table(
            name: "table9_retrieval", title: "Table 9 — retrieval of the matched condition (strict matched condition)",
            tsv: tsv, markdown: md)
    }

    /// A TSV number: `%.6g`, "NaN" when undefined.
    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "NaN" }

    /// A Markdown cell: `0.923 [0.892, 0.949]` (signed for deltas), the estimate alone when the interval is not
    /// estimable or not shown, "n/a" when undefined.
    static func cell(_ e: AgreementEstimate?, interval: Bool, signed: Bool) -> String {
        guard let e, e.interval.estimate.isFinite else { return "n/a" }
        let mean = String(format: signed ? "%+.3f" : "%.3f", e.interval.estimate)
        guard interval, e.interval.low.isFinite, e.interval.high.isFinite else { return mean }
        return "\(mean) [\(String(format: "%.3f", e.interval.low)), \(String(format: "%.3f", e.interval.high))]"
    }
}
