import PerturbTestSupport
import XCTest

/// Comma-separated options (`CommaList`): a malformed item is a user error naming the flag and the value, before any
/// file is opened; items keep inner spaces and lose surrounding ones.
final class CommaListOptionTests: XCTestCase {
    func testMalformedListsNameTheFlagAndTheValue() throws {
        let dir = try temporaryDirectory()
        let missing = dir.appendingPathComponent("never-opened.h5ad").path
        let out = dir.appendingPathComponent("out").path
        let cases: [(arguments: [String], flag: String, value: String)] = [
            (["evaluate", "op3", "--effects", missing, "--output", out, "--seeds", "0,,1"], "--seeds", "0,,1"),
            (["evaluate", "op3", "--effects", missing, "--output", out, "--seeds", "0,x"], "--seeds", "0,x"),
            (["evaluate", "op3", "--effects", missing, "--output", out, "--seeds", "0,1,"], "--seeds", "0,1,"),
            (["evaluate", "op3", "--effects", missing, "--output", out, "--hidden", "256,-4"], "--hidden", "256,-4"),
            (["evaluate", "holdout", "--effects", missing, "--output", out, "--seeds", "13,,17"], "--seeds", "13,,17"),
            (
                ["agreement", "--effects", missing, "--output", out, "--similarities", "cosine,"], "--similarities",
                "cosine,"
            ),
        ]
        for c in cases {
            let result = try runUserError(c.arguments, mentions: [c.flag, c.value])
            XCTAssertFalse(result.stderr.contains("never-opened"), "the flag is checked first:\n\(result.transcript)")
        }
        // A positive-width check is the command's: the value parses as a list, validate() rejects the width.
        try runUserError(
            ["evaluate", "op3", "--effects", missing, "--output", out, "--hidden", "256,0"],
            mentions: ["--hidden widths must be positive", "256,0"])
        try runUserError(
            ["agreement", "--effects", missing, "--output", out, "--similarities", "cosine, jaccard"],
            mentions: ["--similarities", "jaccard"])
    }

    func testItemsKeepInnerSpacesAndLoseSurroundingOnes() throws {
        let sim = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad")
        let out = try temporaryDirectory().appendingPathComponent("op3.tsv")
        try runOK([
            "split", "--effects", sim.path, "--kind", "op3", "--evaluation-contexts", " B cells ,Myeloid cells",
            "--output", out.path,
        ])
        let text = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("# perturbridge split kind=op3"), text)
        XCTAssertTrue(text.contains("evaluation_contexts=B_cells,Myeloid_cells"), String(text.prefix(200)))
        // Columns: condition_id, dataset, context, compounds, split, evaluated.
        let rows = text.split(separator: "\n").dropFirst(2).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        let evaluatedTestContexts = Set(rows.filter { $0[4] == "test" && $0[5] == "1" }.map { $0[2] })
        XCTAssertEqual(evaluatedTestContexts, ["B cells", "Myeloid cells"])
        XCTAssertTrue(
            rows.contains { $0[4] == "test" && $0[5] == "0" }, "test rows of other contexts are not evaluated")
    }
}
