import PerturbBase
import PerturbStats
import XCTest

@testable import PerturbData

final class EffectBuilderTests: XCTestCase {
    /// Two plates; plate P1 has 3 controls and a compound A in 2 replicates, plate P2 has 2 controls and A once.
    func testPooledAndReplicateEffectsMatchHandComputedMeans() throws {
        let genes = ["G1", "G2", "G3"]
        let nan = Float.nan
        let values: [Float] = [
            // P1 controls
            1, 2, 3,
            2, 2, 5,
            3, 2, nan,
            // P1 treated A (2 replicates)
            4, 1, 6,
            6, 3, 2,
            // P2 controls
            10, 0, 1,
            12, 0, 3,
            // P2 treated A
            13, 1, nan,
        ]
        let a = Condition(dataset: "d", context: "ctx", compounds: ["KEY-A"], doseMicromolar: 1, timeHours: 24)
        let samples = [
            SampleAnnotation(condition: nil, controlGroup: "P1", replicate: "P1:c1"),
            SampleAnnotation(condition: nil, controlGroup: "P1", replicate: "P1:c2"),
            SampleAnnotation(condition: nil, controlGroup: "P1", replicate: "P1:c3"),
            SampleAnnotation(condition: a, controlGroup: "P1", replicate: "P1:t1"),
            SampleAnnotation(condition: a, controlGroup: "P1", replicate: "P1:t2"),
            SampleAnnotation(condition: nil, controlGroup: "P2", replicate: "P2:c1"),
            SampleAnnotation(condition: nil, controlGroup: "P2", replicate: "P2:c2"),
            SampleAnnotation(condition: a, controlGroup: "P2", replicate: "P2:t1"),
        ]
        var report = IngestReport(source: "tiny", format: "test")
        let result = EffectBuilder.build(
            values: values, samples: samples, genes: genes,
            compounds: ["KEY-A": Compound(key: "KEY-A", canonicalSmiles: "CCO", aliases: ["A"])],
            report: &report)
        // P1 control means: G1 2, G2 2, G3 4 (NaN skipped); P2: 11, 0, 2.
        // Replicate effects: P1:t1 (2, -1, 2), P1:t2 (4, 1, -2), P2:t1 (2, 1, NaN).
        XCTAssertEqual(result.replicates.rowCount, 3)
        XCTAssertEqual(Array(result.replicates.row(0)), [2, -1, 2])
        XCTAssertEqual(Array(result.replicates.row(1)), [4, 1, -2])
        XCTAssertEqual(Array(result.replicates.row(2)), [2, 1, 0])
        XCTAssertEqual(Array(result.replicates.measuredRow(2)), [true, true, false])
        XCTAssertEqual(result.replicates.conditions[2].replicate, "P2:t1")
        // Pooled = mean of replicate effects: G1 8/3, G2 1/3, G3 0 (from 2 replicates).
        XCTAssertEqual(result.pooled.rowCount, 1)
        let pooled = Array(result.pooled.row(0))
        XCTAssertEqual(pooled[0], 8.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(pooled[1], 1.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(pooled[2], 0, accuracy: 1e-6)
        XCTAssertEqual(result.pooled.replicateCounts, [3])
        XCTAssertNil(result.pooled.conditions[0].replicate)
        // Welch t for G1: effects (2, 4, 2): mean 8/3, var 4/3; controls' within-plate deviations:
        // P1 (-1, 0, 1), P2 (-1, 1): SS = 4, df = (3 − 1) + (2 − 1) = 3, var_c = 4/3, n_c = 5.
        let a1 = (4.0 / 3.0) / 3.0, b1 = (4.0 / 3.0) / 5.0
        let t1 = (8.0 / 3.0) / (a1 + b1).squareRoot()
        let df1 = (a1 + b1) * (a1 + b1) / (a1 * a1 / 2 + b1 * b1 / 3)
        XCTAssertEqual(Double(result.pooled.extraLayers["t"]![0]), t1, accuracy: 1e-4)
        XCTAssertEqual(
            Double(result.pooled.extraLayers["pvalue"]![0]), StudentT.twoSidedPValue(t: t1, df: df1), accuracy: 1e-6)
        XCTAssertEqual(report.conditionsWritten, 1)
        XCTAssertEqual(report.controlsUsed, 5)
        try result.pooled.validate()
        try result.replicates.validate()
    }

    func testSingleGroupWelchEqualsClassicWelch() {
        // Treated (5, 7, 9) vs controls (1, 2, 3, 6): Welch's t = (7 − 3) / sqrt(4/3 + 14/3/4).
        let values: [Float] = [1, 2, 3, 6, 5, 7, 9]
        let a = Condition(dataset: "d", context: "c", compounds: ["K"], doseMicromolar: nil, timeHours: nil)
        let samples = (0..<7).map {
            SampleAnnotation(condition: $0 < 4 ? nil : a, controlGroup: "p", replicate: "w\($0)")
        }
        var report = IngestReport(source: "t", format: "t")
        let result = EffectBuilder.build(
            values: values, samples: samples, genes: ["G"],
            compounds: ["K": Compound(key: "K", canonicalSmiles: "", aliases: [])], report: &report)
        let expected = 4.0 / (4.0 / 3.0 + (14.0 / 3.0) / 4.0).squareRoot()
        XCTAssertEqual(Double(result.pooled.extraLayers["t"]![0]), expected, accuracy: 1e-5)
        XCTAssertEqual(result.pooled.logFC, [4])
    }

    func testSkipsSamplesWithoutControlsAndAllNaNConditions() {
        let a = Condition(dataset: "d", context: "c", compounds: ["K"], doseMicromolar: 1, timeHours: 1)
        let b = Condition(dataset: "d", context: "c", compounds: ["K"], doseMicromolar: 10, timeHours: 1)
        let values: [Float] = [1, 1, .nan, .nan, 3, 3]
        let samples = [
            SampleAnnotation(condition: nil, controlGroup: "p1", replicate: "c"),
            SampleAnnotation(condition: b, controlGroup: "p1", replicate: "nan-well"),
            SampleAnnotation(condition: a, controlGroup: "p-none", replicate: "orphan"),
        ]
        var report = IngestReport(source: "t", format: "t")
        let result = EffectBuilder.build(
            values: values, samples: samples, genes: ["G1", "G2"],
            compounds: ["K": Compound(key: "K", canonicalSmiles: "", aliases: [])], report: &report)
        XCTAssertEqual(result.pooled.rowCount, 0)
        XCTAssertEqual(report.skipped["no vehicle controls in the sample's control group"]?.count, 1)
        XCTAssertEqual(report.skipped["NaN effects (no finite value for any gene)"]?.count, 1)
        XCTAssertTrue(report.summary.contains("skipped 2"), report.summary)
    }

    /// limma on a condition with a replicate on a plate without vehicle wells: that replicate is left out (as the
    /// mean difference leaves it out) and the contrast is against the controls of the plates that have them.
    func testLimmaLeavesOutReplicatesWhosePlateHasNoControls() throws {
        let a = Condition(dataset: "d", context: "ctx", compounds: ["KEY-A"], doseMicromolar: 1, timeHours: 24)
        let values: [Float] = [1, 2, 3, 2, 2, 5, 3, 2, 4, 4, 1, 6, 6, 3, 2, 9, 9, 9]
        let samples = [
            SampleAnnotation(condition: nil, controlGroup: "P1", replicate: "P1:c1"),
            SampleAnnotation(condition: nil, controlGroup: "P1", replicate: "P1:c2"),
            SampleAnnotation(condition: nil, controlGroup: "P1", replicate: "P1:c3"),
            SampleAnnotation(condition: a, controlGroup: "P1", replicate: "P1:t1"),
            SampleAnnotation(condition: a, controlGroup: "P1", replicate: "P1:t2"),
            SampleAnnotation(condition: a, controlGroup: "P2", replicate: "P2:t1"),
        ]
        var report = IngestReport(source: "test", format: "test")
        var result = EffectBuilder.build(
            values: values, samples: samples, genes: ["G1", "G2", "G3"], compounds: [:],
            options: .init(statistics: true, keepReplicates: false, method: .limma), report: &report)
        LimmaEffects.apply(to: &result, values: values, samples: samples, counts: false, trend: false, report: &report)
        XCTAssertEqual(result.pooled.rowCount, 1)
        // logFC = mean of the two P1 replicates − mean of the P1 controls.
        let expected: [Float] = [5 - 2, 2 - 2, 4 - 4]
        for (x, y) in zip(result.pooled.logFC, expected) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        XCTAssertTrue(
            result.pooled.extraLayers["pvalue"]?.allSatisfy(\.isFinite) ?? false, "\(result.pooled.extraLayers)")
    }
}
