import Foundation
import PerturbTestSupport
import XCTest

/// The README's main job, `perturbridge demo`, end to end at a reduced size (issue 8).
final class DemoTests: XCTestCase {
    func testQuickDemoRunsEndToEndAndResumes() throws {
        let folder = try temporaryDirectory("demo").appendingPathComponent("demo")
        let first = try CLI.run(
            ["demo", "--output", folder.path, "--size", "small", "--quick", "--threads", "2"], timeout: 600)
        XCTAssertEqual(first.status, 0, first.transcript)
        XCTAssertTrue(first.stdout.contains("REPORT.md"), first.transcript)

        let report = try String(contentsOf: folder.appendingPathComponent("REPORT.md"), encoding: .utf8)
        for heading in [
            "## Stages", "## Molecule holdout across datasets", "## OP3-style compound-held-out protocol",
            "## Cross-dataset agreement",
        ] {
            XCTAssertTrue(report.contains(heading), "REPORT.md lacks '\(heading)':\n\(report.prefix(2000))")
        }
        for feature in ["lpm_all", "lpm_l1000", "morgan", "none"] {
            XCTAssertTrue(report.contains("| \(feature) |"), "the OP3 table lacks the \(feature) row")
        }
        for family in ["all_datasets", "scratch_target_only", "morgan_fixed"] {
            XCTAssertTrue(report.contains(family), "the holdout table lacks \(family)")
        }
        try checkBaselinesBesideEveryModel(report)
        // Every table cell holds a value: no NaN, NA or infinity anywhere in the report's tables.
        let missing: Set<String> = ["nan", "na", "inf", "-inf", "+inf", ""]
        for line in report.split(separator: "\n") where line.hasPrefix("|") && !line.contains("---") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            for cell in cells {
                XCTAssertFalse(
                    missing.contains(cell) || cell.contains("nan"), "REPORT.md has a missing value in: \(line)")
            }
        }
        // Every figure the report links exists.
        let links = report.components(separatedBy: "](").dropFirst().compactMap {
            $0.split(separator: ")").first.map(String.init)
        }
        let figures = links.filter { $0.hasSuffix(".svg") }
        XCTAssertFalse(figures.isEmpty, "no SVG figure linked")
        for figure in figures {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent(figure).path), "missing \(figure)")
        }
        for file in [
            "embeddings/lpm_all.h5ad", "fingerprints.h5ad", "pretrain/all/best.safetensors",
            "holdout/holdout_summary.tsv",
            "op3/op3_summary.tsv", "agreement/summary.tsv",
        ] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "missing \(file)")
        }
        // The new figures are in the report: training curves of both pretraining runs, both embedding maps, and
        // predicted vs observed of the evaluations; every holdout run folder has its curves too.
        for figure in [
            "pretrain/all/curves.svg", "pretrain/l1000/curves.svg", "embeddings/lpm_all_pathway.svg",
            "embeddings/lpm_l1000_datasets.svg", "op3/op3_predicted_observed_lpm_all.svg",
            "holdout/holdout_predicted_observed_sim_op3.svg",
        ] {
            XCTAssertTrue(figures.contains(figure), "REPORT.md does not show \(figure)")
        }
        let runsFolder = folder.appendingPathComponent("holdout/runs").path
        let runs = try FileManager.default.subpathsOfDirectory(atPath: runsFolder)
        XCTAssertFalse(runs.filter { $0.hasSuffix("config.json") }.isEmpty)
        for config in runs where config.hasSuffix("/config.json") {
            let curves = (config as NSString).deletingLastPathComponent + "/curves.svg"
            XCTAssertTrue(runs.contains(curves), "holdout run \(config) has no curves.svg")
        }

        // REPORT.html: the same report with every figure inline, one page per evaluation folder too; the demo's
        // renders in Chromium with every figure.
        let page = folder.appendingPathComponent("REPORT.html")
        try checkReportPage(page, figures: figures.count)
        for sub in ["holdout", "op3", "agreement"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(sub).path)
            let svgs = files.filter { $0.hasSuffix(".svg") }
            try checkReportPage(folder.appendingPathComponent("\(sub)/REPORT.html"), figures: svgs.count)
        }
        try checkRendersInChromium(page, figures: figures.count)

        // A second run on the same folder skips every finished stage and rewrites the same report.
        let second = try CLI.run(
            ["demo", "--output", folder.path, "--size", "small", "--quick", "--threads", "2"], timeout: 120)
        XCTAssertEqual(second.status, 0, second.transcript)
        XCTAssertEqual(second.stderr.components(separatedBy: "done earlier, skipped").count - 1, 9, second.transcript)
    }

    /// The trivial baselines stand beside every model in both evaluation sections: a row of every OP3 table (the Δ
    /// vs baseline_mean table has no baseline_mean row, the Δ vs none table no none row) and a column of every
    /// holdout family table, with the paired Δ against baseline_mean.
    private func checkBaselinesBesideEveryModel(_ report: String) throws {
        func section(_ heading: String) throws -> String {
            let start = try XCTUnwrap(report.range(of: "\n" + heading + "\n"), "REPORT.md lacks '\(heading)'")
            let rest = report[start.upperBound...]
            return String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
        }
        let op3 = try section("## OP3-style compound-held-out protocol (row-wise metrics on held-out compounds)")
        let op3Tables = op3.components(separatedBy: "\n\n").filter { $0.hasPrefix("| features |") }
        XCTAssertEqual(op3Tables.count, 4, "OP3 tables: mean ± sd, CIs, Δ vs none, Δ vs the mean")
        for table in op3Tables {
            for row in ["lpm_all", "lpm_l1000", "morgan", "baseline_zero", "baseline_knn"] {
                XCTAssertTrue(table.contains("\n| \(row) |"), "an OP3 table lacks the \(row) row:\n\(table)")
            }
        }
        XCTAssertEqual(op3Tables.filter { $0.contains("\n| baseline_mean |") }.count, 3, op3)
        let holdout = try section("## Molecule holdout across datasets (pooled logFC RMSE etc., mean ± sd over seeds)")
        let familyTables = holdout.components(separatedBy: "\n\n").filter { $0.hasPrefix("| dataset | all_datasets") }
        XCTAssertEqual(familyTables.count, 5, "holdout tables: test and val RMSE, test pearson, r2, mae")
        for table in familyTables {
            let header = table.prefix { $0 != "\n" }
            XCTAssertTrue(header.hasSuffix("| baseline_mean | baseline_zero | baseline_knn |"), String(header))
        }
        XCTAssertTrue(holdout.contains("Paired Δ test RMSE vs baseline_mean"), "no paired Δ against the mean")
    }
}
