import Foundation
import PerturbBase

/// The long TSV records of an agreement analysis: one row per matched pair, per retrieval query, per estimate.
public enum AgreementRecords {
    static func number(_ v: Double) -> String { AgreementTables.number(v) }
    static func optional(_ v: Double?) -> String { v.map { String(format: "%.12g", $0) } ?? "" }

    /// One row per matched pair: identities, gene and DE counts, peer counts, then per metric the observed value,
    /// every baseline and (metrics with peers) the peer statistics.
    public static func pairs(_ analysis: AgreementAnalysis) -> DelimitedTable {
        var header = ["kind"]
        for side in ["a", "b"] {
            header += [
                "dataset_\(side)", "context_\(side)", "compound_\(side)", "dose_um_\(side)", "time_h_\(side)",
                "replicate_\(side)",
            ]
        }
        header += [
            "n_genes", "n_deg_a", "n_deg_b", "n_deg_both", "peers_total_a", "peers_total_b", "peers_scored_a",
            "peers_scored_b",
        ]
        let columns = AgreementMetric.allCases.flatMap { metric in
            AgreementQuantities.pair(metric).map { (name: "\($0.name)_\(metric.rawValue)", value: $0.value) }
        }
        header += columns.map(\.name)
        var table = DelimitedTable(header: header)
        for pair in analysis.pairs {
            var row = [pair.kind.rawValue]
            for ref in [pair.a, pair.b] {
                let set = analysis.sets[ref.set]
                let c = set.conditions[ref.row]
                row += [
                    set.dataset, c.context, c.compound, optional(c.doseMicromolar), optional(c.timeHours),
                    c.replicate ?? "",
                ]
            }
            row += [pair.genes, pair.deLeft, pair.deRight, pair.deBoth].map(String.init)
            row += (pair.peersTotal + pair.peersScored).map(String.init)
            row += columns.map { number($0.value(pair)) }
            table.rows.append(row)
        }
        return table
    }

    /// One row per retrieval query and similarity.
    public static func retrieval(_ analysis: AgreementAnalysis) -> DelimitedTable {
        let columns = AgreementQuantities.retrieval()
        var table = DelimitedTable(
            header: [
                "dataset_a", "dataset_b", "direction", "query_dataset", "cell_type", "time_key", "query_compound",
                "query_dose_um",
                "similarity", "n_candidates", "n_positives", "observed_best_rank",
            ] + columns.map(\.name))
        for q in analysis.retrieval {
            let c = analysis.sets[q.query.set].conditions[q.query.row]
            table.rows.append(
                [
                    analysis.sets[q.datasetA].dataset, analysis.sets[q.datasetB].dataset, q.direction,
                    analysis.sets[q.query.set].dataset,
                    q.cellType, q.timeKey, q.compound, optional(c.doseMicromolar), q.similarity.rawValue,
                    String(q.candidates),
                    String(q.positives), number(q.observed.bestRank),
                ] + columns.map { number($0.value(q)) })
        }
        return table
    }

    /// One row per estimate (`summary.tsv`): the reference's CI-table columns.
    public static func summary(_ estimates: [AgreementEstimate]) -> DelimitedTable {
        var table = DelimitedTable(header: [
            "comparison", "dataset_a", "dataset_b", "metric", "quantity", "mean", "ci_low", "ci_high", "ci_method",
            "n_rows",
            "n_finite_rows", "n_compounds",
        ])
        for e in estimates {
            table.rows.append([
                e.comparison, e.datasetA, e.datasetB, e.metric, e.quantity, number(e.interval.estimate),
                number(e.interval.low),
                number(e.interval.high), e.interval.method.rawValue, String(e.rows), String(e.finiteRows),
                String(e.interval.clusters),
            ])
        }
        return table
    }
}
