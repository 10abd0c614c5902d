import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbEval

final class AgreementReportTests: XCTestCase {
    func testWritesPaperTablesRecordsHeatmapsAndReport() throws {
        var sets = try AgreementTestData.pair(transform: { 0.8 * $0 + 0.1 })
        sets[0].dataset = "tahoe"
        sets[1].dataset = "l1000_phase1"
        // Give the L1000 set replicate rows so the replicate table and the heatmap diagonal have values.
        let b = sets[1]
        var conditions: [ProfileCondition] = []
        var values: [Float] = []
        for r in b.conditions.indices {
            for rep in ["r1", "r2"] {
                var c = b.conditions[r]
                c.replicate = rep
                conditions.append(c)
                values += b.values[r * b.genes.count..<(r + 1) * b.genes.count].map { rep == "r1" ? $0 : $0 * 0.9 }
            }
        }
        sets[1] = try ProfileSet(
            dataset: "l1000_phase1", genes: b.genes, conditions: b.conditions + conditions, values: b.values + values)
        let analysis = try AgreementAnalysis.run(
            sets: sets, rules: MatchRules(), options: AgreementOptions(), showProgress: false)
        let bootstrap = BootstrapOptions(draws: 100)
        let summary = analysis.summarize(bootstrap: bootstrap)
        let dir = try temporaryDirectory("agreement-report")
        let files = try AgreementReport.write(
            analysis: analysis, summary: summary, bootstrap: bootstrap, inputs: ["a.h5ad", "b.h5ad"], to: dir)
        let names = Set(files.map(\.lastPathComponent))
        for table in [
            "table4_deg_spearman", "table5_direction_agreement", "table6_signature_spearman", "table9_retrieval",
            "de_overlap",
            "replicate_agreement",
        ] {
            XCTAssertTrue(names.contains(table + ".tsv") && names.contains(table + ".md"), "missing \(table)")
        }
        XCTAssertTrue(
            names.isSuperset(of: [
                "pairs.tsv", "retrieval.tsv", "summary.tsv", "report.md", "heatmap_spearman_all_delta.svg",
            ]))

        // Canonical order: L1000 Ph1 before Tahoe, whatever the input order.
        let table5 = try DelimitedTable.read(dir.appendingPathComponent("table5_direction_agreement.tsv"))
        XCTAssertEqual(try table5.column("dataset_pair"), ["L1000 Ph1–Tahoe"])
        XCTAssertEqual(
            Array(table5.header.prefix(9)),
            [
                "dataset_pair", "dataset_a", "dataset_b", "n_units", "n_finite_units", "n_compounds",
                "observed", "observed_ci_low", "observed_ci_high",
            ])
        XCTAssertTrue(
            table5.header.contains("delta_vs_target_peer") && table5.header.contains("target_peer_corrected_percentile")
        )
        XCTAssertEqual(try table5.column("n_units"), ["24"])
        XCTAssertEqual(Double(try table5.column("observed")[0])!, 1)  // B is affine in A with a positive slope

        let pairs = try DelimitedTable.read(dir.appendingPathComponent("pairs.tsv"))
        XCTAssertEqual(pairs.rows.count, analysis.pairs.count)
        XCTAssertEqual(try pairs.column("kind").filter { $0 == "replicate" }.count, 24)
        XCTAssertEqual(Double(try pairs.column("observed_spearman_all")[0])!, 1, accuracy: 1e-6)
        XCTAssertTrue(pairs.header.contains("target_peer_corrected_percentile_deg_spearman_sym"))

        let retrieval = try DelimitedTable.read(dir.appendingPathComponent("retrieval.tsv"))
        XCTAssertEqual(Set(try retrieval.column("direction")), ["A_to_B", "B_to_A"])
        XCTAssertEqual(Set(try retrieval.column("similarity")), ["cosine", "negative_l2", "spearman"])
        let table9 = try DelimitedTable.read(dir.appendingPathComponent("table9_retrieval.tsv"))
        let cosine = try table9.column("similarity").firstIndex(of: "cosine")!
        // An affine copy ranks its own condition first for cosine: normalized rank 1, Recall@1 1.
        XCTAssertEqual(
            Double(table9.rows[cosine][try table9.columnIndex("observed_normalized_rank")])!, 1, accuracy: 1e-12)
        XCTAssertEqual(Double(table9.rows[cosine][try table9.columnIndex("observed_recall_at_1")])!, 1, accuracy: 1e-12)

        let summaryTable = try DelimitedTable.read(dir.appendingPathComponent("summary.tsv"))
        XCTAssertEqual(
            summaryTable.header,
            [
                "comparison", "dataset_a", "dataset_b", "metric", "quantity", "mean", "ci_low", "ci_high",
                "ci_method", "n_rows", "n_finite_rows", "n_compounds",
            ])
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("## Table 4 — rank agreement"), report)
        XCTAssertTrue(report.contains("FALLBACK"), "fallback DE must be flagged:\n\(report)")
        XCTAssertTrue(report.contains("| L1000 Ph1–Tahoe | 24 | 24 | 12 | 1.000"), report)
        XCTAssertTrue(report.contains("](heatmap_direction_agreement.svg)"))
        let svg = try String(contentsOf: dir.appendingPathComponent("heatmap_spearman_all_delta.svg"), encoding: .utf8)
        XCTAssertTrue(try ReportXMLCollector.parse(svg).texts.contains("Tahoe"))
    }
}
