import Foundation
import PerturbIO
import XCTest

/// `perturbridge effects --format signatures`: a compound × gene table of signatures becomes an effects file that
/// `evaluate op3` reads; a cell that is not a number is a user error naming the line and the gene column.
final class EffectsSignaturesTests: XCTestCase {
    func testSignatureTableBecomesEffectsAndBadCellsAreNamed() throws {
        let dir = try temporaryDirectory()
        let map = try CLIFixtures.write(
            "pert_id\tcanonical_smiles\nBRD-1\tCCO\nBRD-2\tc1ccccc1O\nBRD-3\tCC(=O)O\n",
            to: "map.tsv", in: dir)
        let table = try CLIFixtures.write(
            "pert_id\tg1\tg2\tg3\nBRD-1\t0.5\t-0.25\tNA\nBRD-2\t1\t0\t2\nBRD-3\t-1\t0.5\t0\n",
            to: "signatures.tsv", in: dir)
        let out = dir.appendingPathComponent("sig.h5ad")
        let result = try runOK([
            "effects", "--input", table.path, "--format", "signatures", "--smiles-map", map.path,
            "--dataset", "SIG", "--context", "mixed", "--output", out.path,
        ])
        XCTAssertTrue(result.stdout.contains("3 conditions × 3 genes, 3 compounds"), result.transcript)
        let reader = try H5ADReader(url: out)
        XCTAssertEqual(reader.obs.index.count, 3)
        XCTAssertEqual(reader.var.index, ["g1", "g2", "g3"])

        let bad = try CLIFixtures.write("pert_id\tg1\tg2\nBRD-1\t0.5\tx1\n", to: "bad.tsv", in: dir)
        try runUserError(
            [
                "effects", "--input", bad.path, "--format", "signatures",
                "--output", dir.appendingPathComponent("bad.h5ad").path,
            ],
            mentions: [bad.path, "line 2", "'g2'", "not a number"])
    }
}
