import PerturbTestSupport
import XCTest

@testable import PerturbBase

final class DelimitedTableTests: XCTestCase {
    func testQuotedFieldsRoundTrip() throws {
        let table = DelimitedTable(
            header: ["id", "smiles", "note"],
            rows: [["1", "CC(=O)O", "plain"], ["2", "C1=CC=CC=C1", "has, comma and \"quote\""]])
        let text = table.render(delimiter: ",")
        let parsed = DelimitedTable.parse(text, delimiter: ",")
        XCTAssertEqual(parsed.first, table.header)
        XCTAssertEqual(Array(parsed.dropFirst()), table.rows)
    }

    func testMissingColumnErrorNamesFileAndColumns() {
        let table = DelimitedTable(header: ["a", "b"], rows: [])
        XCTAssertThrowsError(try table.column("smiles", file: "x.csv")) { error in
            XCTAssertEqual("\(error)", "x.csv: no column 'smiles'; columns are: a, b")
        }
    }

    func testAtomicWriteReplacesAndLeavesNoTemp() throws {
        let dir = try temporaryDirectory("pb-atomic")
        let url = dir.appendingPathComponent("out.tsv")
        try DelimitedTable(header: ["x"], rows: [["1"]]).write(url)
        try DelimitedTable(header: ["x"], rows: [["2"]]).write(url)
        XCTAssertEqual(try DelimitedTable.read(url).rows, [["2"]])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.tsv"])
    }
}
