import Foundation
import PerturbBase
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbEval

final class ProtocolOP3Tests: XCTestCase {
    static let cellTypes = ["B cells", "Myeloid cells", "T cells"]

    /// 24 compounds × 3 cell types × 30 genes; each compound has an 8-d descriptor and its effect is a linear map of
    /// the descriptor scaled per cell type, plus a little noise: a descriptor-aware predictor can generalize.
    static func syntheticTask() -> (table: EffectsTable, descriptors: [[Float]]) {
        var rng = SeededRNG(seed: 5)
        let nCompounds = 24, genes = 30, dim = 8
        let descriptors = (0..<nCompounds).map { _ in (0..<dim).map { _ in Float(rng.nextGaussian()) } }
        let w = (0..<(genes * dim)).map { _ in Float(rng.nextGaussian()) / Float(dim).squareRoot() }
        var conditions: [Condition] = [], logFC: [Float] = [], compounds: [String: Compound] = [:]
        for c in 0..<nCompounds {
            let key = "KEY\(c)"
            compounds[key] = Compound(key: key, canonicalSmiles: "", aliases: ["drug\(c)"])
            for (t, cell) in cellTypes.enumerated() {
                conditions.append(
                    Condition(dataset: "op3", context: cell, compounds: [key], doseMicromolar: 1, timeHours: 24))
                for g in 0..<genes {
                    var v: Float = 0
                    for d in 0..<dim { v += w[g * dim + d] * descriptors[c][d] }
                    logFC.append(v * (1 + 0.3 * Float(t)) + 0.05 * Float(rng.nextGaussian()))
                }
            }
        }
        let table = EffectsTable(
            conditions: conditions, genes: (0..<genes).map { "G\($0)" }, logFC: logFC, compounds: compounds)
        return (table, descriptors)
    }

    static func tinyOptions(seeds: [UInt64] = [0]) -> OP3ProtocolOptions {
        var options = OP3ProtocolOptions()
        options.layer = "logFC"
        options.seeds = seeds
        options.predictor.components = 10
        options.predictor.embeddingDim = 8
        options.predictor.hidden = [32]
        options.predictor.dropout = 0
        options.predictor.epochs = 2
        options.predictor.batchSize = 16
        options.predictor.ensemble = 1
        options.bootstrap = BootstrapOptions(draws: 200)
        options.progress = false
        return options
    }

    func testSplitHoldsOutWholeCompoundsDeterministicallyWithoutLeakage() throws {
        let (table, _) = Self.syntheticTask()
        let a = try OP3Protocol.run(effects: table, file: "synthetic", options: Self.tinyOptions())
        let b = try OP3Protocol.run(effects: table, file: "synthetic", options: Self.tinyOptions())
        XCTAssertEqual(a.split, b.split)
        XCTAssertEqual(
            a.results[0].scores.perRow[.rmse]!, b.results[0].scores.perRow[.rmse]!,
            "same seed must give the same scores")
        let held = a.split.molecules(in: SplitAssignment.test)
        XCTAssertEqual(held.count, 6)  // floor(0.25 · 24)
        let trainCompounds = Set(a.trainRows.map { a.task.table.conditions[$0].compounds[0] })
        XCTAssertTrue(held.isDisjoint(with: trainCompounds), "a held-out compound has training rows")
        XCTAssertEqual(a.testRows.count, 6 * Self.cellTypes.count, "every cell type of a held-out compound is held out")
        XCTAssertEqual(a.trainRows.count + a.testRows.count, table.rowCount)
        XCTAssertTrue(a.split.entries.allSatisfy(\.evaluated), "all held-out rows are scored")
        var other = Self.tinyOptions()
        other.splitSeed = 7
        let c = try OP3Protocol.run(effects: table, file: "synthetic", options: other)
        XCTAssertNotEqual(
            c.split.molecules(in: SplitAssignment.test), held, "another split seed should draw other compounds")
    }

    func testDescriptorsBeatTheDescriptorFreeBaselineOnHeldOutCompounds() throws {
        let (table, descriptors) = Self.syntheticTask()
        let dir = try temporaryDirectory("op3-desc")
        // Descriptors keyed by the compound's alias, to exercise the name lookup.
        var tsv = "compound\t" + (0..<8).map { "d\($0)" }.joined(separator: "\t") + "\n"
        for (c, d) in descriptors.enumerated() {
            tsv += "drug\(c)\t" + d.map { "\($0)" }.joined(separator: "\t") + "\n"
        }
        let url = dir.appendingPathComponent("desc.tsv")
        try tsv.write(to: url, atomically: true, encoding: .utf8)
        var options = Self.tinyOptions()
        options.features = [("desc", .file(url)), ("none", .none)]
        options.predictor.epochs = 60
        let result = try OP3Protocol.run(effects: table, file: "synthetic", options: options)
        XCTAssertEqual(result.features.map(\.covered), [24, nil, nil, nil, nil])
        let desc = result.results.first { $0.feature == "desc" }!.scores,
            none = result.results.first { $0.feature == "none" }!.scores
        XCTAssertLessThan(desc.mean(.rmse), 0.8 * none.mean(.rmse))
        XCTAssertGreaterThan(desc.mean(.pearson), none.mean(.pearson) + 0.2)
        let mean = result.results.first { $0.feature == "baseline_mean" }!.scores
        XCTAssertLessThan(
            desc.mean(.rmse), mean.mean(.rmse), "informative descriptors beat the per-context training mean")

        let summary = OP3Summary(result, bootstrap: options.bootstrap)
        let deltaRMSE = summary.rows.first { $0.feature == "desc" && $0.metric == .rmse }!.delta!
        XCTAssertGreaterThan(deltaRMSE.estimate, 0, "Δ is oriented so that better is positive")
        XCTAssertNil(summary.rows.first { $0.feature == "none" }!.delta)
        let out = dir.appendingPathComponent("report")
        try OP3Report.write(result, summary: summary, options: options, to: out)
        for name in [
            "split.tsv", "op3_rows.tsv", "op3_seeds.tsv", "op3_summary.tsv", "op3_summary.md", "op3_rmse.svg",
            "op3_deltas.svg",
        ] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "missing \(name)")
        }
        let rows = try DelimitedTable.read(out.appendingPathComponent("op3_rows.tsv"), delimiter: "\t")
        XCTAssertEqual(
            rows.rows.count,
            result.features.count * options.seeds.count * RowwiseMetric.allCases.count * result.testRows.count)
        let md = try String(contentsOf: out.appendingPathComponent("op3_summary.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| desc |") && md.contains("Δ vs `none`"))
    }

    func testClippedSignLog10PvalIsDerivedFromLogFCAndPvalue() throws {
        var table = EffectsTable(
            conditions: [Condition(dataset: "d", context: "c", compounds: ["K"], doseMicromolar: nil, timeHours: nil)],
            genes: ["A", "B", "C", "D"], logFC: [1, -2, 0, 0.5],
            compounds: ["K": Compound(key: "K", canonicalSmiles: "", aliases: [])])
        table.extraLayers["pvalue"] = [1e-6, 0.01, 0.5, .nan]
        let (values, note) = try TargetLayer.values(of: table, layer: TargetLayer.defaultName, file: "t")
        XCTAssertEqual(values[0], 4)
        XCTAssertEqual(values[1], -2, accuracy: 1e-6)
        XCTAssertEqual(values[2], 0)
        XCTAssertTrue(values[3].isNaN)
        XCTAssertTrue(note.contains("derived"))
        XCTAssertThrowsError(try TargetLayer.values(of: table, layer: "t_stat", file: "t.h5ad")) { error in
            XCTAssertTrue("\(error)".contains("t.h5ad") && "\(error)".contains("pvalue"))
        }
    }

    func testFeatureListParsing() throws {
        let list = try CompoundFeatureSource.parseList(
            ["lpm_all=emb.h5ad", "morgan", "none"], morgan: .init(radius: 1, bits: 2000))
        XCTAssertEqual(list.map(\.name), ["lpm_all", "morgan", "none"])
        XCTAssertEqual(list[0].source, .file(URL(fileURLWithPath: "emb.h5ad")))
        XCTAssertEqual(list[1].source, .morgan(.init(radius: 1, bits: 2000)))
        XCTAssertThrowsError(try CompoundFeatureSource.parseList(["none", "none"], morgan: .init()))
        XCTAssertThrowsError(try CompoundFeatureSource.parseList(["emb.h5ad"], morgan: .init()))
    }
}
