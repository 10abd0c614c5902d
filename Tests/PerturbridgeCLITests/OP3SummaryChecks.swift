import Foundation
import PerturbBase
import XCTest

extension XCTestCase {
    /// Checks the numbers a user reads in `op3_summary.tsv`: one line per feature set (`features` and the trivial
    /// baselines) and OP3 metric, every mean and bootstrap interval a finite number inside the metric's range
    /// (errors ≥ 0, correlations and cosine in [−1, 1]), the interval around its estimate, and `seeds` seeds behind
    /// each mean.
    func checkOP3Summary(
        _ folder: URL, features: [String], seeds: Int, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let table = try DelimitedTable.read(folder.appendingPathComponent("op3_summary.tsv"), delimiter: "\t")
        // The OP3 summary's metrics (`OP3Summary.metrics`) and their ranges.
        let ranges: [String: ClosedRange<Double>] = [
            "rmse": 0...1e3, "mae": 0...1e3, "pearson": -1...1, "spearman": -1...1, "cosine": -1...1,
        ]
        let column = { (name: String) in try table.columnIndex(name) }
        let (feature, metric, mean, n) = try (column("features"), column("metric"), column("mean"), column("n_seeds"))
        let (estimate, low, high) = try (column("estimate"), column("ci_low"), column("ci_high"))
        let present = Set(table.rows.map { $0[feature] })
        XCTAssertTrue(Set(features).isSubset(of: present), "feature sets \(present)", file: file, line: line)
        XCTAssertEqual(
            table.rows.count, present.count * ranges.count, "one line per feature set and metric",
            file: file, line: line)
        for row in table.rows {
            let label = "\(row[feature]) \(row[metric])"
            guard let range = ranges[row[metric]] else {
                XCTFail("unknown metric \(label)", file: file, line: line); continue
            }
            let values = [mean, estimate, low, high].map { Double(row[$0]) }
            guard let m = values[0], let e = values[1], let l = values[2], let h = values[3],
                [m, e, l, h].allSatisfy(\.isFinite)
            else {
                XCTFail("\(label): a missing or non-finite value in \(row)", file: file, line: line)
                continue
            }
            XCTAssertTrue(
                range.contains(m) && range.contains(l) && range.contains(h), "\(label) outside \(range): \(row)",
                file: file, line: line)
            XCTAssertTrue(
                l <= e && e <= h, "\(label): the interval does not hold its estimate: \(row)", file: file, line: line)
            XCTAssertEqual(row[n], String(seeds), label, file: file, line: line)
        }
    }
}
