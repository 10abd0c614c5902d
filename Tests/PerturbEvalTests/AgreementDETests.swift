import Foundation
import PerturbBase
import PerturbData
import XCTest

@testable import PerturbEval

/// The DE-gene call: which layer decides (seed spec §5.3 adjP layer preference), BH, and the flagged fallback.
final class AgreementDETests: XCTestCase {
    func testRuleSelectionFollowsLayerPreference() {
        let options = DEOptions()
        XCTAssertEqual(
            DifferentialExpression.rule(layers: ["adj_pvalue_within", "pvalue", "adj_pvalue"], options: options),
            .adjustedP(layer: "adj_pvalue_within"))
        XCTAssertEqual(
            DifferentialExpression.rule(
                layers: ["adj.P.Value.across_all_contrasts", "adj.P.Value.within_one_contrast"],
                options: options),
            .adjustedP(layer: "adj.P.Value.within_one_contrast"))
        // `effects --method limma` writes pvalue and the across-contrast adj_pvalue: per-contrast BH from the raw p
        // wins.
        XCTAssertEqual(
            DifferentialExpression.rule(layers: ["t", "pvalue", "adj_pvalue"], options: options),
            .benjaminiHochberg(layer: "pvalue"))
        XCTAssertEqual(
            DifferentialExpression.rule(layers: ["adj_pvalue"], options: options), .adjustedP(layer: "adj_pvalue"))
        XCTAssertEqual(
            DifferentialExpression.rule(layers: ["P.Value", "adj.P.Value"], options: options),
            .adjustedP(layer: "adj.P.Value"))
        let fallback = DifferentialExpression.rule(layers: ["t"], options: DEOptions(fallbackThreshold: 0.5))
        XCTAssertEqual(fallback, .logFCFallback(threshold: 0.5))
        XCTAssertTrue(fallback.isFallback)
        XCTAssertTrue(fallback.description.contains("FALLBACK"))
        XCTAssertFalse(DERule.adjustedP(layer: "x").isFallback)
    }

    func testBenjaminiHochbergByHand() {
        // m = 4 finite: sorted 0.01, 0.03, 0.04, 0.2 → m·p/j = 0.04, 0.06, 0.0533, 0.2 → running minimum from the
        // top.
        let adjusted = DifferentialExpression.benjaminiHochberg([0.01, 0.04, 0.03, .nan, 0.2])
        XCTAssertEqual(adjusted[0], 0.04, accuracy: 1e-12)
        XCTAssertEqual(adjusted[1], 0.16 / 3, accuracy: 1e-12)
        XCTAssertEqual(adjusted[2], 0.16 / 3, accuracy: 1e-12)
        XCTAssertTrue(adjusted[3].isNaN)
        XCTAssertEqual(adjusted[4], 0.2, accuracy: 1e-12)
        XCTAssertEqual(DifferentialExpression.benjaminiHochberg([0.9, 0.8]), [0.9, 0.9])
    }

    func testBenjaminiHochbergMatchesScipy() throws {
        var rng = SeededRNG(seed: 11)
        let p = (0..<200).map { i -> Double in i % 17 == 0 ? .nan : pow(rng.nextDouble(), 3) }
        let finite = p.filter(\.isFinite)
        let expected = try MetricsPythonOracle.numbers(
            "import numpy as np; from scipy.stats import false_discovery_control as f; "
                + "p = np.array(\(MetricsPythonOracle.list(finite))); "
                + "print(' '.join(repr(float(x)) for x in f(p, method='bh')))")
        let ours = DifferentialExpression.benjaminiHochberg(p).filter(\.isFinite)
        XCTAssertEqual(ours.count, expected.count)
        for (a, b) in zip(ours, expected) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }

    func testMaskFromAdjustedLayerAndVariants() throws {
        // Two conditions × 3 genes; gene 2 of row 0 is not measured.
        let values: [Float] = [1.0, -0.1, 3, 0.5, -2, 0.15]
        let measured = [true, true, false, true, true, true]
        let adj: [Float] = [0.01, 0.04, 0.001, 0.2, 0.049, 0.01]
        let p05 = try DifferentialExpression.call(
            values: values, measured: measured, genes: 3, layer: adj,
            rule: .adjustedP(layer: "adj_pvalue_within"), options: DEOptions(), source: "t")
        XCTAssertEqual(p05.mask, [true, true, false, false, true, true])
        let lfc = try DifferentialExpression.call(
            values: values, measured: measured, genes: 3, layer: adj,
            rule: .adjustedP(layer: "adj_pvalue_within"),
            options: DEOptions(definition: .p05Lfc02), source: "t")
        XCTAssertEqual(lfc.mask, [true, false, false, false, true, false])
        // BH per condition from raw p: row 0 p (0.01, 0.04) over 2 measured genes → (0.02, 0.04); row 1
        // (0.02, 0.03, 0.5)
        // → (0.045, 0.045, 0.5).
        let raw: [Float] = [0.01, 0.04, 0.0, 0.02, 0.03, 0.5]
        let bh = try DifferentialExpression.call(
            values: values, measured: measured, genes: 3, layer: raw,
            rule: .benjaminiHochberg(layer: "pvalue"), options: DEOptions(), source: "t")
        XCTAssertEqual(bh.mask, [true, true, false, true, true, false])
        let fallback = try DifferentialExpression.call(
            values: values, measured: measured, genes: 3, layer: nil,
            rule: .logFCFallback(threshold: 0.4), options: DEOptions(), source: "t")
        XCTAssertEqual(fallback.mask, [true, false, false, true, true, false])
        XCTAssertThrowsError(
            try DifferentialExpression.call(
                values: values, measured: measured, genes: 3, layer: [0.1],
                rule: .adjustedP(layer: "adj_pvalue"), options: DEOptions(), source: "file.h5ad")
        ) {
            XCTAssertTrue("\($0)".contains("file.h5ad") && "\($0)".contains("adj_pvalue"), "\($0)")
        }
    }

    func testEffectsTableLayersChooseTheRuleAndCIDsTheIdentity() throws {
        let compounds = [
            "AAAA-X": Compound(key: "AAAA-X", canonicalSmiles: "CCO", aliases: ["ethanol"], pubchemCID: "702.0"),
            "BBBB-Y": Compound(key: "BBBB-Y", canonicalSmiles: "CCN", aliases: ["ethylamine"]),
        ]
        let conditions = [
            Condition(dataset: "d", context: "A549", compounds: ["AAAA-X"], doseMicromolar: 1, timeHours: 24),
            Condition(dataset: "d", context: "A549", compounds: ["BBBB-Y"], doseMicromolar: 1, timeHours: 24),
        ]
        var table = EffectsTable(
            conditions: conditions, genes: ["G0", "G1"], logFC: [2, 0.1, -0.3, 3], compounds: compounds)
        table.extraLayers["pvalue"] = [0.001, 0.5, 0.02, 0.04]
        let sets = try ProfileSet.fromEffects(table)
        XCTAssertEqual(sets[0].deRules, [.benjaminiHochberg(layer: "pvalue")])
        // Row 0: BH(0.001, 0.5) = (0.002, 0.5); row 1: BH(0.02, 0.04) = (0.04, 0.04).
        XCTAssertEqual(sets[0].de, [true, false, true, true])
        XCTAssertEqual(sets[0].conditions.map(\.compound), ["cid:702", "BBBB-Y"])
        table.extraLayers = [:]
        let fallback = try ProfileSet.fromEffects(table, de: DEOptions(fallbackThreshold: 1))
        XCTAssertEqual(fallback[0].deRules, [.logFCFallback(threshold: 1)])
        XCTAssertEqual(fallback[0].de, [true, false, false, true])
    }

    func testDatasetWithoutPValuesInAConcatenatedTableFallsBackFlagged() throws {
        let compounds = ["AAAA-X": Compound(key: "AAAA-X", canonicalSmiles: "CCO", aliases: ["ethanol"])]
        let conditions = ["with", "without"].map {
            Condition(dataset: $0, context: "A549", compounds: ["AAAA-X"], doseMicromolar: 1, timeHours: 24)
        }
        var table = EffectsTable(
            conditions: conditions, genes: ["G0", "G1"], logFC: [2, 0.1, 2, 0.1], compounds: compounds)
        table.extraLayers["pvalue"] = [0.001, 0.5, .nan, .nan]
        let sets = try ProfileSet.fromEffects(table)
        XCTAssertEqual(sets.map(\.deRules), [[.benjaminiHochberg(layer: "pvalue")], [.logFCFallback(threshold: 1)]])
        XCTAssertEqual(sets[1].de, [true, false])
    }
}
