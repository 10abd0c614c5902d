import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

/// `REPORT.html` of the `evaluate` and `agreement` output folders (issue 19.5).
final class ReportPageTests: XCTestCase {
    /// The smallest OP3 evaluation: its page shows every figure of the folder inline and renders in Chromium.
    func testEvaluateOP3PageHoldsEveryFigureAndRendersInChromium() throws {
        let dir = try temporaryDirectory()
        let deTrain = dir.appendingPathComponent("de_train.h5ad")
        try CLIFixtures.writeOP3(deTrain)
        let out = dir.appendingPathComponent("op3 run")
        try runOK(
            [
                "evaluate", "op3", "--effects", deTrain.path, "--layer", "logFC", "--features", "morgan,none",
                "--seeds", "0", "--epochs", "2", "--ensemble", "1", "--components", "2", "--hidden", "8",
                "--embedding-dim", "4",
                "--morgan-bits", "64", "--bootstrap", "20", "--output", out.path, "--quiet",
            ], timeout: 120)
        let figures = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".svg") }
        // 5 metric bar charts, the Δ chart, predicted vs observed for 2 feature sets and 3 trivial baselines.
        XCTAssertEqual(figures.count, 5 + 1 + 5, "\(figures.sorted())")
        XCTAssertTrue(figures.contains("op3_predicted_observed_morgan.svg"), "\(figures.sorted())")
        let page = out.appendingPathComponent("REPORT.html")
        let html = try checkReportPage(page, figures: figures.count)
        XCTAssertTrue(
            html.contains("<table>") && html.contains("<th class=\"num\">MRRMSE</th>"),
            "the summary tables are not HTML tables")
        XCTAssertTrue(
            html.contains("perturbridge evaluate op3 --effects \(deTrain.path)")
                && html.contains("&apos;\(out.path)&apos;"), "the page lacks the command line that made it")
        try checkRendersInChromium(page, figures: figures.count)
    }

    /// The agreement page inlines every heatmap; the heatmaps show only datasets that have a matched pair.
    func testAgreementPageInlinesHeatmapsOfMatchedDatasetsOnly() throws {
        let sim = try CLIFixtures.simulated()
        let out = try temporaryDirectory().appendingPathComponent("agree")
        let files = CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
        try runOK(
            ["agreement", "--effects"] + files
                + ["--match", "dose,time", "--output", out.path, "--bootstrap", "20", "--quiet"], timeout: 120)
        let summary = try DelimitedTable.read(out.appendingPathComponent("summary.tsv"))
        let paired = Set(try summary.column("dataset_a") + summary.column("dataset_b"))
        let heatmaps = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".svg") }
        XCTAssertFalse(heatmaps.isEmpty)
        for name in heatmaps {
            let svg = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            for dataset in CLIFixtures.simulatedDatasets {
                XCTAssertEqual(
                    svg.contains(">\(dataset)</text>"), paired.contains(dataset),
                    "\(name): \(dataset) (pairs: \(paired))")
            }
        }
        let html = try checkReportPage(out.appendingPathComponent("REPORT.html"), figures: heatmaps.count)
        XCTAssertTrue(html.contains("perturbridge agreement --effects"), "the page lacks its command")
    }
}
