import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbData

final class L1000IngestTests: XCTestCase {
    /// Independent reading of the GCT 1.3 text: returns symbols, column metadata and the probe × well matrix.
    func parseGCT(_ url: URL) throws -> (symbols: [String], meta: [String: [String]], values: [[Double]]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        ).map(String.init)
        let dims = lines[1].split(separator: "\t").map { Int($0)! }
        let (nRows, nCols, nRowMeta, nColMeta) = (dims[0], dims[1], dims[2], dims[3])
        let header = lines[2].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let symbolColumn = header.firstIndex(of: "pr_gene_symbol")!
        var meta: [String: [String]] = [:]
        for i in 0..<nColMeta {
            let f = lines[3 + i].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            meta[f[0]] = Array(f[(1 + nRowMeta)...])
        }
        var symbols: [String] = [], values: [[Double]] = []
        for r in 0..<nRows {
            let f = lines[3 + nColMeta + r].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            symbols.append(f[symbolColumn])
            values.append(f[(1 + nRowMeta)...].map { Double($0) ?? .nan })
        }
        XCTAssertEqual(values[0].count, nCols)
        return (symbols, meta, values)
    }

    func testRealPlateEffectsAgainstIndependentMeans() throws {
        let gct = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        let pertinfo = try Requirement.sharedPathIfPresent("data/l1000-lincs-metadata/pertinfo.tsv.gz")
        let resolver = CompoundResolver(smilesByName: try pertinfo.map { try CompoundResolver.loadNameMap($0) } ?? [:])
        var report = IngestReport(source: "test_l1000.gct", format: "gct")
        let result = try L1000Ingest.ingest(gct, resolver: resolver, report: &report)
        let table = result.pooled
        try table.validate()

        // 377 wells: 26 DMSO vehicle controls, 328 trt_cp + 23 trt_poscon wells, one well per (compound, dose).
        XCTAssertEqual(report.rowsRead, 377)
        XCTAssertEqual(report.controlsUsed, 26)
        XCTAssertEqual(table.rowCount, 351)
        XCTAssertFalse(table.conditions.contains { $0.isControl })
        XCTAssertEqual(table.genes.count, 978)
        XCTAssertEqual(Set(table.conditions.map(\.context)), ["A375"])
        XCTAssertEqual(Set(table.conditions.compactMap(\.timeHours)), [24])
        XCTAssertEqual(Set(table.conditions.compactMap(\.doseMicromolar)), [10, 3.33, 1.11, 0.37, 0.12, 0.04])
        XCTAssertEqual(result.replicates.rowCount, 351)
        XCTAssertNil(table.extraLayers["t"], "one well per condition: no t-statistic")
        if pertinfo != nil {
            // Most compounds get a structure (InChIKey) from pertinfo.
            let structured = table.usedCompoundKeys.filter { !$0.hasPrefix("name:") }
            XCTAssertGreaterThan(structured.count, 40)
        }

        // Independent: neratinib at 10 µM = its well − mean of the 26 DMSO wells, per gene.
        let (symbols, meta, values) = try parseGCT(gct)
        let vehicles = meta["pert_type"]!.indices.filter { meta["pert_type"]![$0] == "ctl_vehicle" }
        let well = meta["pert_iname"]!.indices.first {
            meta["pert_iname"]![$0] == "neratinib" && meta["pert_dose"]![$0] == "10"
        }!
        let row = table.conditions.firstIndex {
            $0.doseMicromolar == 10 && table.compounds[$0.compounds[0]]!.aliases.contains("neratinib")
        }!
        var checked = 0
        for (gi, symbol) in symbols.enumerated() {
            let controls = vehicles.map { values[gi][$0] }.filter(\.isFinite)
            let expected = values[gi][well] - controls.reduce(0, +) / Double(controls.count)
            let column = table.genes.firstIndex(of: symbol)!
            guard expected.isFinite else { XCTAssertFalse(table.measured[row * table.geneCount + column]); continue }
            XCTAssertEqual(Double(table.logFC[row * table.geneCount + column]), expected, accuracy: 1e-4, symbol)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 970)
    }

    func testReplicatedWellsGetWelchStatistics() throws {
        let gct = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        // Treat dose as unknown by relabelling: here all doses of a compound pool into one condition (6 replicates).
        var data = try PerturbIOHelpers.readGCT(gct)
        data.dropDose()
        var report = IngestReport(source: "relabelled", format: "gct")
        let result = try L1000Ingest.ingest(
            data.gct, file: "relabelled.gct", resolver: CompoundResolver(), report: &report)
        XCTAssertEqual(result.pooled.rowCount, 59)
        XCTAssertNotNil(result.pooled.extraLayers["t"])
        let p = result.pooled.extraLayers["pvalue"]!.filter(\.isFinite)
        XCTAssertGreaterThan(p.count, 50 * 978)
        XCTAssertTrue(p.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(result.replicates.rowCount, 351)
    }

    func testBadUnitIsReportedNotDropped() throws {
        let gct = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        var data = try PerturbIOHelpers.readGCT(gct)
        data.setDoseUnit(well: 0, to: "furlongs")
        var report = IngestReport(source: "bad", format: "gct")
        let result = try L1000Ingest.ingest(data.gct, file: "bad.gct", resolver: CompoundResolver(), report: &report)
        XCTAssertEqual(result.pooled.rowCount, 350)
        let skip = try XCTUnwrap(report.skipped["unparseable dose or time unit"])
        XCTAssertEqual(skip.count, 1)
        XCTAssertTrue(
            skip.examples[0].contains("bad.gct") && skip.examples[0].contains("pert_dose")
                && skip.examples[0].contains("furlongs"), skip.examples[0])
        let json = try temporaryDirectory().appendingPathComponent("report.json")
        try report.write(to: json)
        XCTAssertTrue(try String(contentsOf: json, encoding: .utf8).contains("unparseable dose or time unit"))
    }
}
