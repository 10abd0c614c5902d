import Foundation
import PerturbBase
import XCTest
@testable import PerturbEval

final class AgreementReportTests: XCTestCase {
    func testWritesTablesHeatmapsAndReport() throws {
        var sets = try AgreementTestData.pair(transform: { 0.8 * $0 + 0.1 })
        // Give B replicate rows so the diagonal has a value too.
        let b = sets[1]
        var conditions: [ProfileCondition] = [], values: [Float] = []
        for r in b.conditions.indices {
            for rep in ["r1", "r2"] {
                var c = b.conditions[r]
                c.replicate = rep
                conditions.append(c)
                values += b.values[r * b.genes.count..<(r + 1) * b.genes.count].map { rep == "r1" ? $0 : $0 * 0.9 }
            }
        }
        sets[1] = try ProfileSet(dataset: "B", genes: b.genes, conditions: b.conditions + conditions, values: b.values + values)
        let analysis = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: AgreementOptions(topK: 10), seed: 0, showProgress: false)
        let bootstrap = BootstrapOptions(draws: 100)
        let summary = analysis.summarize(bootstrap: bootstrap)
        XCTAssertEqual(summary.count, 2 * AgreementMetric.allCases.count)   // A–B cross-dataset and B replicates
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("agreement-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try AgreementReport.write(analysis: analysis, summary: summary, bootstrap: bootstrap, inputs: ["a.h5ad", "b.h5ad"], to: dir)
        XCTAssertEqual(files.count, 2 + 2 * AgreementMetric.allCases.count + 1)

        let pairs = try DelimitedTable.read(dir.appendingPathComponent("pairs.tsv"))
        XCTAssertEqual(pairs.rows.count, analysis.pairs.count)
        let roles = try pairs.column("role")
        XCTAssertEqual(roles.filter { $0 == "observed" }.count, 16 + 16)      // 16 cross-dataset, 16 replicate pairs
        let spearman = try pairs.column("spearman")
        XCTAssertEqual(Double(spearman[roles.firstIndex(of: "observed")!])!, 1, accuracy: 1e-6)   // B is affine in A

        let table = try DelimitedTable.read(dir.appendingPathComponent("summary.tsv"))
        let metricCol = try table.columnIndex("metric"), kindCol = try table.columnIndex("comparison")
        let replicateRow = table.rows.first { $0[metricCol] == "norm_ratio" && $0[kindCol] == "replicate" }!
        XCTAssertEqual(Double(replicateRow[try table.columnIndex("mean")])!, 0.9, accuracy: 1e-5)

        let svg = try String(contentsOf: dir.appendingPathComponent("heatmap_spearman_margin.svg"), encoding: .utf8)
        let xml = try ReportXMLCollector.parse(svg)
        XCTAssertTrue(xml.texts.contains("A"))
        XCTAssertEqual(xml.texts.filter { $0 == "n/a" }.count, 2)            // A has no replicates: its diagonal + legend
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("](heatmap_topk_jaccard.svg)"))
        XCTAssertTrue(report.contains("| cross_dataset | A – B | 16 | 8 |"), report)
    }
}
