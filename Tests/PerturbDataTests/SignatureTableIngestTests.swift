import Foundation
import PerturbBase
import XCTest

@testable import PerturbData

/// `SignatureTableIngest`: rows are compounds, columns genes; missing cells are unmeasured, a compound's second row
/// is skipped and counted, and a malformed table is an error naming the file and line.
final class SignatureTableIngestTests: XCTestCase {
    private func write(_ text: String, _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sig-\(UUID().uuidString)-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testRowsBecomeConditionsWithMaskAndSkips() throws {
        let url = try write("id,g1,g2\naspirin,0.5,NA\nphenol,1,-2\naspirin,3,3\n,1,1\n", "t.csv")
        let resolver = CompoundResolver(smilesByName: ["aspirin": "CC(=O)Oc1ccccc1C(=O)O", "phenol": "Oc1ccccc1"])
        var report = IngestReport(source: url.path, format: "signatures")
        var options = SignatureTableIngest.Options(dataset: "D")
        options.context = "mixed"
        let table = try SignatureTableIngest.ingest(url, resolver: resolver, options: options, report: &report)
        try table.validate()
        XCTAssertEqual(table.rowCount, 2)
        XCTAssertEqual(table.genes, ["g1", "g2"])
        XCTAssertEqual(table.logFC, [0.5, 0, 1, -2])
        XCTAssertEqual(table.measured, [true, false, true, true])
        XCTAssertEqual(table.conditions.map(\.context), ["mixed", "mixed"])
        XCTAssertTrue(table.conditions.allSatisfy { $0.doseMicromolar == nil && $0.timeHours == nil })
        XCTAssertEqual(report.rowsRead, 4)
        XCTAssertEqual(report.skipped["duplicate condition (a second row of the same compound)"]?.count, 1)
        XCTAssertEqual(report.skipped["missing compound"]?.count, 1)
    }

    func testMalformedTablesNameTheProblem() throws {
        let cases = [
            ("id\tg1\tg1\nx\t1\t2\n", "appears more than once"),
            ("id\tg1\tg2\nx\t1\n", "line 2: 2 fields, the header has 3"),
            ("id\n", "at least one gene column"),
        ]
        for (text, message) in cases {
            let url = try write(text, "t.tsv")
            var report = IngestReport(source: url.path, format: "signatures")
            XCTAssertThrowsError(
                try SignatureTableIngest.ingest(
                    url, resolver: CompoundResolver(),
                    options: .init(dataset: "D"), report: &report)
            ) {
                XCTAssertTrue("\($0)".contains(message) && "\($0)".contains(url.path), "\($0)")
            }
        }
    }
}
