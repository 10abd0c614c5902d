import Foundation
import PerturbBase
import PerturbData
import XCTest

@testable import PerturbEval

/// The paired holdout statistics on small hand-made unit tables with known answers.
final class ProtocolHoldoutComparisonTests: XCTestCase {
    private func unit(_ molecule: String, _ context: String, dose: Double = 1, time: Double = 24) -> HoldoutUnit {
        HoldoutUnit(molecule: molecule, context: context, doseMicromolar: dose, timeHours: time)
    }

    private func scores(_ family: String, _ rows: [(HoldoutUnit, Double)], dataset: String = "d") -> [HoldoutUnitScore]
    {
        rows.map { HoldoutUnitScore(family: family, dataset: dataset, unit: $0.0, rmse: $0.1, seeds: 1) }
    }

    private func seedRMSE(_ family: String, _ dataset: String, _ values: [Double]) -> [HoldoutMeasurement] {
        values.enumerated().map {
            HoldoutMeasurement(
                family: family, seed: UInt64($0.offset), dataset: dataset, split: "test", metric: "rmse",
                value: $0.element)
        }
    }

    func testUnitRMSEIsPooledPerSeedThenAveragedOverSeeds() {
        let a = unit("m1", "c1"), b = unit("m2", "c1")
        func error(_ seed: UInt64, _ u: HoldoutUnit, _ sse: Double, _ n: Int) -> HoldoutConditionError {
            HoldoutConditionError(family: "f", seed: seed, dataset: "d", unit: u, squaredError: sse, count: n)
        }
        // Unit a has two conditions in seed 0 (pooled: √((4 + 12) / (2 + 2)) = 2) and one in seed 1 (√(1/1) = 1).
        let units = HoldoutUnitScore.seedMeans([
            error(0, a, 4, 2), error(0, b, 9, 1), error(0, a, 12, 2), error(1, a, 1, 1), error(1, b, 0, 0),
        ])
        XCTAssertEqual(units.map(\.unit), [a, b])
        XCTAssertEqual(units[0].rmse, 1.5, accuracy: 1e-15)
        XCTAssertEqual(units[0].seeds, 2)
        XCTAssertEqual(units[1].rmse, 3, accuracy: 1e-15, "a seed without measured genes is not averaged")
        XCTAssertEqual(units[1].seeds, 1)
        XCTAssertEqual(
            HoldoutUnit(
                Condition(dataset: "d", context: "A549", compounds: ["K2", "K1"], doseMicromolar: 10, timeHours: 6)),
            HoldoutUnit(molecule: "K1+K2", context: "A549", doseMicromolar: 10, timeHours: 6))
        XCTAssertEqual(unit("m", "c", dose: 100).logDose!, 2, accuracy: 1e-15)
        XCTAssertNil(unit("m", "c", dose: 0).logDose)
    }

    func testDefaultFamiliesAreScratchAgainstEachTransferFamily() throws {
        let all = try XCTUnwrap(HoldoutComparison.families(selected: HoldoutFamily.allCases, baseline: nil))
        XCTAssertEqual(all.baseline, .scratchTargetOnly)
        XCTAssertEqual(
            all.compared,
            [
                .allDatasets, .finetuneFrozenMoleculeEmbeddings, .morganFixed, .finetuneMorganFixed,
                .morganLearned, .finetuneMorganLearned,
            ])
        let morgan = try XCTUnwrap(
            HoldoutComparison.families(selected: [.morganFixed, .scratchTargetOnlyMorganFixed], baseline: nil))
        XCTAssertEqual(morgan.baseline, .scratchTargetOnlyMorganFixed)
        XCTAssertEqual(morgan.compared, [.morganFixed])
        XCTAssertNil(
            try HoldoutComparison.families(selected: [.morganFixed, .allDatasets], baseline: nil), "no scratch family")
        XCTAssertNil(
            try HoldoutComparison.families(selected: [.scratchTargetOnly], baseline: nil), "nothing to compare")
        XCTAssertThrowsError(
            try HoldoutComparison.families(selected: [.scratchTargetOnly, .morganFixed], baseline: .allDatasets))
        let explicit = try XCTUnwrap(
            HoldoutComparison.families(
                selected: [.allDatasets, .morganFixed, .scratchTargetOnly], baseline: .allDatasets))
        XCTAssertEqual(explicit.compared, [.morganFixed])
    }

    func testEveryUnitFavouringTheFamilyGivesWinRatesOfOneAndACIAboveZero() throws {
        // 12 molecules in 2 contexts; the family is better on every unit by 0.01…0.06 (context B by twice as much).
        var base: [(HoldoutUnit, Double)] = [], other: [(HoldoutUnit, Double)] = []
        var expectedA = 0.0, expectedB = 0.0
        for m in 0..<12 {
            let gain = 0.01 * Double(m % 6 + 1)
            base.append((unit("m\(m)", "A"), 0.5)); other.append((unit("m\(m)", "A"), 0.5 - gain));
            expectedA += gain / 12
            base.append((unit("m\(m)", "B"), 0.6)); other.append((unit("m\(m)", "B"), 0.6 - 2 * gain));
            expectedB += 2 * gain / 12
        }
        let comparison = HoldoutComparison(
            units: scores("scratch", base) + scores("ft", other), measurements: [], baseline: "scratch",
            families: ["ft"], datasets: ["d"], bootstrap: BootstrapOptions())
        let d = try XCTUnwrap(comparison.deltas.first)
        XCTAssertEqual(comparison.deltas.count, 1)
        XCTAssertEqual(d.units, 24)
        XCTAssertEqual(d.molecules, 12)
        XCTAssertEqual(d.interval.estimate, (expectedA + expectedB) / 2, accuracy: 1e-12)
        XCTAssertEqual(d.interval.method, .bca)
        XCTAssertGreaterThan(d.interval.low, 0)
        XCTAssertGreaterThan(d.interval.high, d.interval.estimate)
        XCTAssertEqual(d.nestedWinRate, 1)
        XCTAssertEqual(d.compoundWinRate, 1)
        XCTAssertNil(d.welch, "no per-seed RMSEs given")
        XCTAssertTrue(d.holmP.isNaN)
        XCTAssertTrue(comparison.acrossDatasets.isEmpty)
    }

    func testNestedAndCompoundWinRatesOnMixedUnits() throws {
        // Stratum (A, 24 h): Δ = +1 (m1), −1 (m2), +2 (m3); stratum (B, 24 h): Δ = +1 (m1), −3 (m2).
        let deltas: [(HoldoutUnit, Double)] = [
            (unit("m1", "A"), 1), (unit("m2", "A"), -1), (unit("m3", "A"), 2),
            (unit("m1", "B"), 1), (unit("m2", "B"), -3),
        ]
        let comparison = HoldoutComparison(
            units: scores("s", deltas.map { ($0.0, 10 + $0.1) }) + scores("f", deltas.map { ($0.0, 10) }),
            measurements: [], baseline: "s", families: ["f"], datasets: ["d"],
            bootstrap: BootstrapOptions(draws: 200))
        let d = try XCTUnwrap(comparison.deltas.first)
        let meanA: Double = (1 - 1 + 2) / 3, meanB: Double = (1 - 3) / 2
        XCTAssertEqual(d.interval.estimate, (meanA + meanB) / 2, accuracy: 1e-12)
        let winsA: Double = 2 / 3, winsB: Double = 1 / 2
        XCTAssertEqual(d.nestedWinRate, (winsA + winsB) / 2, accuracy: 1e-12)
        XCTAssertEqual(d.compoundWinRate, 2 / 3.0, accuracy: 1e-12, "m1 (+1) and m3 (+2) win, m2 (−2) loses")
        // Different doses of one molecule are different units but the same cluster; different times, different strata.
        let doses = HoldoutComparison(
            units: scores(
                "s", [(unit("m1", "A", dose: 1), 2), (unit("m1", "A", dose: 10), 2), (unit("m2", "A", time: 6), 2)])
                + scores(
                    "f", [(unit("m1", "A", dose: 1), 1), (unit("m1", "A", dose: 10), 3), (unit("m2", "A", time: 6), 1)]),
            measurements: [], baseline: "s", families: ["f"], datasets: ["d"], bootstrap: BootstrapOptions(draws: 50))
        let e = try XCTUnwrap(doses.deltas.first)
        XCTAssertEqual(e.units, 3)
        XCTAssertEqual(e.molecules, 2)
        XCTAssertEqual(e.interval.estimate, (0 + 1) / 2, accuracy: 1e-12)
        XCTAssertEqual(e.compoundWinRate, 0.5, accuracy: 1e-12, "m1's mean Δ is 0: not a win")
    }

    func testWelchHolmAndWilcoxonAcrossDatasets() throws {
        let datasets = ["d1", "d2", "d3"]
        var units: [HoldoutUnitScore] = []
        for d in datasets {
            units += scores("s", [(unit("m1", "A"), 0.5), (unit("m2", "A"), 0.6)], dataset: d)
            units += scores("f", [(unit("m1", "A"), 0.4), (unit("m2", "A"), 0.7)], dataset: d)
        }
        let base: [String: [Double]] = [
            "d1": [0.50, 0.52, 0.51], "d2": [0.40, 0.41, 0.39], "d3": [0.30, 0.31, 0.32],
        ]
        let fam: [String: [Double]] = ["d1": [0.45, 0.46, 0.44], "d2": [0.41, 0.40, 0.42], "d3": [0.28, 0.29, 0.27]]
        let measurements =
            datasets.flatMap { seedRMSE("s", $0, base[$0]!) + seedRMSE("f", $0, fam[$0]!) }
            + [HoldoutMeasurement(family: "s", seed: 0, dataset: "d1", split: "val", metric: "rmse", value: 9)]
        let comparison = HoldoutComparison(
            units: units, measurements: measurements, baseline: "s", families: ["f"], datasets: datasets,
            bootstrap: BootstrapOptions(draws: 100))
        XCTAssertEqual(comparison.deltas.map(\.dataset), datasets)
        let welch = datasets.map { WelchTTest.test(base[$0]!, fam[$0]!)! }
        XCTAssertEqual(comparison.deltas.map { $0.welch! }, welch, "validation numbers are not used")
        let holm = HolmCorrection.adjust(welch.map(\.pValue))
        for (d, h) in zip(comparison.deltas, holm) { XCTAssertEqual(d.holmP, h) }
        XCTAssertGreaterThan(welch[0].statistic, 0, "the baseline is worse on d1: t > 0")

        let across = try XCTUnwrap(comparison.acrossDatasets.first)
        let delta = datasets.map { base[$0]!.reduce(0, +) / 3 - fam[$0]!.reduce(0, +) / 3 }
        XCTAssertEqual(across.datasets, datasets)
        XCTAssertEqual(across.deltas, delta)
        XCTAssertEqual(across.wins, 2)
        XCTAssertEqual(across.meanDelta, delta.reduce(0, +) / 3, accuracy: 1e-15)
        XCTAssertEqual(across.medianDelta, delta.sorted()[1])
        // Δ ≈ (+0.06, −0.01, +0.03): ranks 3, 1, 2 → W = R+ = 5; P(R+ ≥ 5) = 2/8 over the 8 sign patterns.
        XCTAssertEqual(across.greater?.statistic, 5)
        XCTAssertEqual(across.greater!.pValue, 0.25, accuracy: 1e-15)
        XCTAssertEqual(across.twoSided?.statistic, 1)

        let table = HoldoutComparisonReport.deltaTable(comparison)
        XCTAssertEqual(
            table.header,
            [
                "dataset", "baseline", "family", "n_units", "n_molecules", "delta", "ci_low", "ci_high", "ci_method",
                "nested_win_rate", "compound_win_rate", "welch_t", "welch_df", "welch_p", "holm_p",
            ])
        XCTAssertEqual(table.rows.count, 3)
        let md = HoldoutComparisonReport.markdown(comparison)
        XCTAssertTrue(md.contains("| Welch t | df | p | Holm p |"), md)
        XCTAssertTrue(md.contains("| f | 2/3 |"), md)
        XCTAssertFalse(md.lowercased().contains("nan"), md)
    }

    func testForestPlotIsWellFormedWithOnePointPerDelta() throws {
        let units =
            scores("s", [(unit("m1", "A"), 0.5), (unit("m2", "A"), 0.6)], dataset: "d1")
            + scores("f", [(unit("m1", "A"), 0.4), (unit("m2", "A"), 0.5)], dataset: "d1")
            + scores("g", [(unit("m1", "A"), 0.6), (unit("m2", "A"), 0.7)], dataset: "d1")
            + scores("s", [(unit("m1", "A"), 0.5)], dataset: "d2 <x>")
            + scores("f", [(unit("m1", "A"), 0.45)], dataset: "d2 <x>")
        let comparison = HoldoutComparison(
            units: units, measurements: [], baseline: "s", families: ["f", "g"], datasets: ["d1", "d2 <x>"],
            bootstrap: BootstrapOptions(draws: 50))
        XCTAssertEqual(comparison.deltas.count, 3, "g has no units in d2")
        let xml = try ReportXMLCollector.parse(HoldoutComparisonReport.forestPlot(comparison).render())
        XCTAssertEqual(xml.elements["circle"], 3)
        XCTAssertEqual(xml.elements["path"], 2, "CI lines for d1's two families; d2's single molecule has no CI")
        XCTAssertTrue(xml.texts.contains("d2 <x>"))
        XCTAssertTrue(xml.texts.contains("g"))
    }
}
