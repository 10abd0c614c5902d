import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbIO

/// GCT 1.2/1.3 text and GCTX reading on the real CMap fixtures, cross-checked between formats.
final class GCTTests: XCTestCase {
    private func fixture(_ path: String) throws -> URL { try Requirement.sharedFile(path) }

    func testL1000PlateGCT13() throws {
        let gct = try GCTReader.read(try fixture("l1000-cmappy/test_l1000.gct"))
        XCTAssertEqual(gct.matrix.rows, 978)
        XCTAssertEqual(gct.matrix.cols, 377)
        XCTAssertEqual(gct.rowMeta.count, 978)
        XCTAssertEqual(gct.colMeta.count, 377)
        XCTAssertEqual(gct.rowMeta.columns.count, 11)
        XCTAssertEqual(gct.colMeta.columns.count, 35)
        XCTAssertNotNil(gct.rowMeta.column("pr_gene_symbol"))
        let types = gct.colMeta.column("pert_type")!.stringValues()
        XCTAssertEqual(types.filter { $0 == "ctl_vehicle" }.count, 26)
        XCTAssertTrue(gct.colMeta.column("pert_idose")!.stringValues().contains("10.0 um"))
        XCTAssertFalse(gct.matrix.values.contains { $0.isNaN })
    }

    func testGCTAndGCTXOfTheSamePlateAlign() throws {
        let gct = try GCTReader.read(try fixture("l1000-cmappy/test_l1000.gct"))
        let gctx = try GCTReader.read(try fixture("l1000-cmappy/test_l1000_highprecision.gctx"))
        XCTAssertEqual(gctx.matrix.rows, 978)
        XCTAssertEqual(gctx.matrix.cols, 377)
        XCTAssertEqual(gctx.rowMeta.index, gct.rowMeta.index)
        XCTAssertEqual(gctx.colMeta.index, gct.colMeta.index)
        XCTAssertEqual(
            gctx.colMeta.column("pert_iname")?.stringValues(), gct.colMeta.column("pert_iname")?.stringValues())
        XCTAssertEqual(gctx.rowMeta.column("pr_gene_id"), gct.rowMeta.column("pr_gene_id"))
        // Level 4 = robust z-score of level 3 per probe (plus the constant 0.85963 offset the PROVENANCE notes).
        for probe in [0, 500, 977] {
            let level3 = Array(gct.matrix.row(probe)).map(Double.init)
            let median = Self.median(level3)
            let mad = Self.median(level3.map { abs($0 - median) })
            for well in [0, 100, 376] {
                let z = (level3[well] - median) / (1.4826 * max(mad, 0.1)) + 0.85963
                XCTAssertEqual(Double(gctx.matrix[probe, well]), z, accuracy: 1e-3)
            }
        }
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    func testCmapRTextAndHDF5HoldTheSameSignatures() throws {
        let gct = try GCTReader.read(try fixture("l1000-cmapr/modzs_n272x978.gct"))
        let gctx = try GCTReader.read(try fixture("l1000-cmapr/modzs_n272x978.gctx"))
        XCTAssertEqual(gct.matrix.rows, 978)
        XCTAssertEqual(gct.matrix.cols, 272)
        XCTAssertEqual(gctx.matrix.rows, 978)
        XCTAssertEqual(gctx.matrix.cols, 272)
        XCTAssertEqual(Set(gct.rowMeta.index).symmetricDifference(gctx.rowMeta.index).sorted().prefix(4), [])
        XCTAssertEqual(Set(gct.colMeta.index).symmetricDifference(gctx.colMeta.index).sorted().prefix(4), [])
        let rowOf = Dictionary(uniqueKeysWithValues: gctx.rowMeta.index.enumerated().map { ($1, $0) })
        let colOf = Dictionary(uniqueKeysWithValues: gctx.colMeta.index.enumerated().map { ($1, $0) })
        var maxDifference: Float = 0
        for (r, rid) in gct.rowMeta.index.enumerated() {
            for (c, cid) in gct.colMeta.index.enumerated() {
                maxDifference = max(maxDifference, abs(gct.matrix[r, c] - gctx.matrix[rowOf[rid]!, colOf[cid]!]))
            }
        }
        XCTAssertLessThanOrEqual(maxDifference, 6e-5)
        XCTAssertGreaterThan(maxDifference, 0)  // the text is rounded to 4 decimals
        // Latin-1 micro sign in the GCTX decodes as "µ"; the text spells it "<b5>".
        XCTAssertTrue(gctx.colMeta.column("pert_idose")!.stringValues().contains { $0.contains("µM") })
        XCTAssertTrue(gct.colMeta.column("pert_idose")!.stringValues().contains { $0.contains("<b5>M") })
        XCTAssertEqual(gct.rowMeta.columnNames.first, "id")
    }

    func testOtherRealGCTXLayouts() throws {
        let tsne = try GCTReader.read(try fixture("l1000-cmappy/tsne_n2x1203.gctx"))
        XCTAssertEqual(tsne.matrix.rows, 1203)
        XCTAssertEqual(tsne.matrix.cols, 2)
        XCTAssertEqual(tsne.colMeta.index, ["TS1", "TS2"])
        let square = try GCTReader.read(try fixture("l1000-cmappy/col_meta_only_example_n355x355.gctx"))
        XCTAssertEqual(square.matrix.rows, 355)
        XCTAssertEqual(square.colMeta.columns.count, 50)
        XCTAssertGreaterThan(square.matrix[0, 0], 99)
        let mini = try GCTReader.read(try fixture("l1000-cmappy/mini_gctoo_for_testing.gctx"))
        XCTAssertEqual(mini.matrix.rows, mini.rowMeta.count)
        let tiny = try GCTReader.read(try fixture("l1000-cmapr/modzs_n25x50.gctx"))
        XCTAssertEqual(tiny.matrix.rows, 50)
        XCTAssertEqual(tiny.matrix.cols, 25)
    }

    func testPipelineLevelsShareIds() throws {
        let qnorm = try GCTReader.read(try fixture("l1000-l1ktools-pipeline/TEST_A375_24H_X1_B20_QNORM_n23x978.gct"))
        let zspc = try GCTReader.read(try fixture("l1000-l1ktools-pipeline/TEST_A375_24H_X1_B20_ZSPCQNORM_n23x978.gct"))
        let gex = try GCTReader.read(try fixture("l1000-l1ktools-pipeline/TEST_A375_24H_X1_B20_GEX_n26x978.gct"))
        XCTAssertEqual(qnorm.matrix.cols, 23)
        XCTAssertEqual(gex.matrix.cols, 26)
        XCTAssertEqual(qnorm.rowMeta.index, zspc.rowMeta.index)
        XCTAssertEqual(qnorm.colMeta.index, zspc.colMeta.index)
        XCTAssertLessThanOrEqual(qnorm.matrix.values.max()!, 15.0001)
    }

    func testGCT12AndMissingValues() throws {
        let url = try temporaryDirectory("perturbio").appendingPathComponent("perturbio.gct")
        try "#1.2\n2\t3\nName\tDescription\ts1\ts2\ts3\ng1\tfirst\t1.5\t-666\t2\ng2\t-666\tNaN\t0\t-3.25\n".write(
            to: url, atomically: true, encoding: .utf8)
        let gct = try GCTReader.read(url)
        XCTAssertEqual(gct.colMeta.index, ["s1", "s2", "s3"])
        XCTAssertEqual(gct.rowMeta.index, ["g1", "g2"])
        XCTAssertEqual(gct.rowMeta.column("Description"), .strings(["first", ""]))
        XCTAssertEqual(gct.matrix[0, 0], 1.5)
        XCTAssertTrue(gct.matrix[0, 1].isNaN)
        XCTAssertTrue(gct.matrix[1, 0].isNaN)
        XCTAssertEqual(gct.matrix[1, 2], -3.25)

        let v13 = try temporaryDirectory("perturbio").appendingPathComponent("perturbio.gct")
        try "#1.3\n1\t2\t1\t2\nid\tsym\tA\tB\ndose\tna\t10\t-666\nplate\tna\tP1\tP2\nr1\tTP53\t1\t2\n".write(
            to: v13, atomically: true, encoding: .utf8)
        let meta = try GCTReader.read(v13)
        XCTAssertEqual(meta.colMeta.column("dose"), .nullableInt(values: [10, 0], mask: [false, true]))
        XCTAssertEqual(meta.colMeta.column("plate"), .strings(["P1", "P2"]))
        XCTAssertEqual(meta.rowMeta.column("sym"), .strings(["TP53"]))
    }

    func testBadGCTInputs() throws {
        let dir = try temporaryDirectory("perturbio-gct")
        let textAsGCTX = dir.appendingPathComponent("x.gctx")
        try "#1.2\n1\t1\nName\tDescription\ts\ng\td\t1\n".write(to: textAsGCTX, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GCTReader.read(textAsGCTX)) { error in
            XCTAssertTrue("\(error)".contains("rename it to .gct"), "\(error)")
        }
        let badValue = dir.appendingPathComponent("bad.gct")
        try "#1.2\n1\t1\nName\tDescription\ts\ng\td\tabc\n".write(to: badValue, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GCTReader.read(badValue)) { error in
            XCTAssertEqual((error as? FormatError)?.location, "line 4")
            XCTAssertTrue("\(error)".contains("'abc'"))
        }
        let short = dir.appendingPathComponent("short.gct")
        try "#1.2\n3\t1\nName\tDescription\ts\ng\td\t1\n".write(to: short, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GCTReader.read(short)) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        let notGCT = dir.appendingPathComponent("plain.gct")
        try "gene\tvalue\n".write(to: notGCT, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GCTReader.read(notGCT)) { error in XCTAssertTrue("\(error)".contains("#1.2")) }
    }
}
