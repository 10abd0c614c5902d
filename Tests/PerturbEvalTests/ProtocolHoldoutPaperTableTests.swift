import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbEval

/// The paper-layout holdout table and its comparison with the published one.
final class ProtocolHoldoutPaperTableTests: XCTestCase {
    private func summary() -> HoldoutSummary {
        let measurements =
            [0.35, 0.36].enumerated().map { i, v in
                HoldoutMeasurement(
                    family: "scratch_target_only", seed: UInt64(13 + i), dataset: "op3", split: "test", metric: "rmse",
                    value: v)
            } + [
                HoldoutMeasurement(
                    family: "scratch_target_only", seed: 13, dataset: "my screen", split: "val", metric: "rmse",
                    value: 0.5)
            ]
        return HoldoutSummary(measurements, families: ["scratch_target_only"], datasets: ["op3", "my screen"])
    }

    func testLayoutMatchesThePublishedColumns() throws {
        let table = HoldoutPaperTable(summary()).table()
        if let published = try Requirement.sharedPathIfPresent(
            "reference/chem-perturbridge-lpm/paper10_results_summary.tsv")
        {
            XCTAssertEqual(
                table.header, try DelimitedTable.read(published, delimiter: "\t").header,
                "the same columns in the same order")
        }
        XCTAssertEqual(
            table.rows.map { $0[0] }, ["my_screen", "op3"], "rows by slug; unknown datasets get a derived slug")
        let op3 = Dictionary(uniqueKeysWithValues: zip(table.header, table.rows[1]))
        XCTAssertEqual(op3["scratch_target_only_test_rmse_mean_std"], "0.3550 +/- 0.0071 (n=2)")
        XCTAssertEqual(op3["scratch_target_only_test_n"], "2")
        XCTAssertEqual(op3["all_test_rmse_mean_std"], "NA")
        XCTAssertTrue(
            HoldoutPaperTable(summary()).markdown().contains("| my screen | NA | NA | NA | NA | 0.5000 (n=1) | NA |"))
    }

    func testComparisonWithThePublishedTable() throws {
        let published = try Requirement.sharedPath("reference/chem-perturbridge-lpm/paper10_results_summary.tsv")
        let md = try HoldoutPaperTable(summary()).comparison(with: published)
        // The paper's op3 scratch_target_only test RMSE is 0.3478 (mean 0.34782...).
        XCTAssertTrue(md.contains("| op3 | scratch_target_only | 0.3550 +/- 0.0071 (n=2) | 0.3478 | +0.0072 |"), md)
        XCTAssertFalse(md.contains("my screen"))
    }
}
