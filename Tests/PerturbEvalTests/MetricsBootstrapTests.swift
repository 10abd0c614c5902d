import PerturbBase
import XCTest

@testable import PerturbEval

final class MetricsBootstrapTests: XCTestCase {
    func testNormalDistribution() {
        XCTAssertEqual(NormalDistribution.quantile(0.975), 1.959963984540054, accuracy: 1e-12)
        XCTAssertEqual(NormalDistribution.quantile(0.001), -3.090232306167813, accuracy: 1e-12)
        XCTAssertEqual(NormalDistribution.cdf(1.959963984540054), 0.975, accuracy: 1e-14)
        XCTAssertEqual(NormalDistribution.quantile(0.5), 0, accuracy: 1e-15)
    }

    func testQuantileInterpolatesLikeNumpy() {
        XCTAssertEqual(ClusterBootstrap.quantile(sorted: [1, 2, 3, 4], 0.25), 1.75)  // np.quantile([1,2,3,4], .25)
        XCTAssertEqual(ClusterBootstrap.quantile(sorted: [1, 2, 3, 4], 1), 4)
    }

    func testBCaLevelsMatchScipyFormula() {
        // Expected from numpy/scipy with the reference formula: z0 = −0.25335, a = −0.071058,
        // levels (0.0019901808, 0.8977249887), np.quantile → (0.1, 1.22721974).
        let boot = Array(repeating: [0.1, 0.2, 0.25, 0.3, 0.5, 0.55, 0.6, 0.9, 1.2, 2.0], count: 3).flatMap { $0 }
            .sorted()
        let levels = ClusterBootstrap.bcaLevels(
            sortedBoot: boot, estimate: 0.5, jackknife: [0.4, 0.45, 0.5, 0.62, 0.9], alpha: 0.025)!
        XCTAssertEqual(levels.0, 0.0019901808366041655, accuracy: 1e-10)
        XCTAssertEqual(levels.1, 0.8977249886891259, accuracy: 1e-10)
        XCTAssertEqual(ClusterBootstrap.quantile(sorted: boot, levels.1), 1.22721974, accuracy: 1e-7)
        XCTAssertNil(ClusterBootstrap.bcaLevels(sortedBoot: boot, estimate: 0.5, jackknife: [1, 1, 1], alpha: 0.025))
    }

    func testStratifiedEstimateIsMeanOfStratumMeans() {
        let ci = ClusterBootstrap.meanCI(
            values: [1, 3, 10, .nan], clusters: ["a", "b", "c", "d"], strata: ["x", "x", "y", "y"],
            options: BootstrapOptions(draws: 200), label: "t")
        XCTAssertEqual(ci.estimate, 6)  // (mean(1, 3) + 10) / 2; the NaN row is dropped
        XCTAssertEqual(ci.clusters, 3)
    }

    func testOuterLevelAveragesOuterGroupsOfStratumMeans() {
        // Outer A_to_B: strata s1 (1, 3 → 2) and s2 (10); outer B_to_A: s3 (4). Mean of (mean(2, 10), 4) = 5, while
        // the mean over the three strata is 16/3.
        let values: [Double] = [1, 3, 10, 4, .nan]
        let clusters = ["a", "b", "c", "a", "d"]
        let strata = ["s1", "s1", "s2", "s3", "s3"]
        let outer = ["A_to_B", "A_to_B", "A_to_B", "B_to_A", "B_to_A"]
        XCTAssertEqual(ClusterBootstrap.nestedMean(values: values, clusters: clusters, strata: strata, outer: outer), 5)
        XCTAssertEqual(
            ClusterBootstrap.nestedMean(values: values, clusters: clusters, strata: strata), 16.0 / 3.0,
            accuracy: 1e-12)
        let ci = ClusterBootstrap.meanCI(
            values: values, clusters: clusters, strata: strata, outer: outer,
            options: BootstrapOptions(draws: 500, bca: false), label: "outer")
        XCTAssertEqual(ci.estimate, 5)
        XCTAssertEqual(ci.clusters, 3)
        // Every draw's statistic is a mean of outer-group means of observed values, so it stays within [1, 10].
        XCTAssertGreaterThanOrEqual(ci.low, 1)
        XCTAssertLessThanOrEqual(ci.high, 10)
        XCTAssertLessThan(ci.low, ci.high)
        // Drawing only cluster "c" leaves A_to_B = 10 and no B_to_A row: the statistic is 10, not (10 + NaN)/2.
        let table = NestedMeanTable(values: values, clusters: clusters, strata: strata, outer: outer)
        XCTAssertEqual(table.statistic([0, 0, 1]), 10)
        XCTAssertEqual(table.statistic([2, 0, 0]), (1 + 4) / 2)  // cluster "a" twice: s1 = 1, s3 = 4
    }

    func testFallbacks() {
        let one = ClusterBootstrap.meanCI(
            values: [1, 2], clusters: ["a", "a"], options: BootstrapOptions(), label: "t")
        XCTAssertEqual(one.method, .notEstimable)
        XCTAssertEqual(one.estimate, 1.5)
        let flat = ClusterBootstrap.meanCI(
            values: [2, 2, 2], clusters: ["a", "b", "c"], options: BootstrapOptions(), label: "t")
        XCTAssertEqual(flat.method, .degenerate)
        XCTAssertEqual(flat.low, 2)
    }

    func testClustersAreResampledWhole() {
        // 10 compounds, 5 identical rows each: the clustered CI reflects 10 units, the row-level CI 50.
        var values: [Double] = [], clusters: [String] = []
        for c in 0..<10 { for _ in 0..<5 { values.append(Double(c)); clusters.append("c\(c)") } }
        let options = BootstrapOptions(draws: 2000, bca: false)
        let clustered = ClusterBootstrap.meanCI(values: values, clusters: clusters, options: options, label: "m")
        let rows = ClusterBootstrap.meanCI(values: values, options: options, label: "m")
        XCTAssertEqual(clustered.estimate, 4.5)
        XCTAssertEqual(clustered.method, .percentile)
        let ratio = (clustered.high - clustered.low) / (rows.high - rows.low)
        XCTAssertGreaterThan(ratio, 1.8)  // sqrt(5) ≈ 2.24 in expectation
        XCTAssertLessThan(ratio, 2.8)
        // The clustered percentile CI of a mean of 10 values 0…9 (sd 3.03): about ±1.96·3.03/sqrt(10) = ±1.9.
        XCTAssertEqual(clustered.low, 2.6, accuracy: 0.35)
        XCTAssertEqual(clustered.high, 6.4, accuracy: 0.35)
    }

    func testSeededAndBCaShiftsForSkewedData() {
        var rng = SeededRNG(seed: 3)
        let values = (0..<60).map { _ in -log(1 - rng.nextDouble()) }  // exponential: right-skewed mean
        let options = BootstrapOptions(draws: 2000)
        let a = ClusterBootstrap.meanCI(values: values, options: options, label: "x")
        let b = ClusterBootstrap.meanCI(values: values, options: options, label: "x")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.method, .bca)
        var percentileOptions = options
        percentileOptions.bca = false
        let p = ClusterBootstrap.meanCI(values: values, options: percentileOptions, label: "x")
        XCTAssertGreaterThan(a.high, p.high)
        XCTAssertLessThan(a.low, a.estimate)
        XCTAssertGreaterThan(a.high, a.estimate)
    }
}

final class MetricsRowwiseConfidenceTests: XCTestCase {
    func testConfidenceIntervalOverConditionsAndCompounds() throws {
        // 6 conditions (3 compounds × 2 cell types); prediction = truth + row-specific offset c → RMSE = |c|.
        let offsets: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
        var truth: [Float] = [], prediction: [Float] = []
        for (r, c) in offsets.enumerated() {
            for g in 0..<4 { truth.append(Float(g + r)); prediction.append(Float(g + r) + c) }
        }
        let s = try RowwiseScores.evaluate(truth: truth, prediction: prediction, rows: 6, genes: 4)
        let ci = s.confidenceInterval(
            .rmse, clusters: ["a", "a", "b", "b", "c", "c"], options: BootstrapOptions(draws: 500))
        XCTAssertEqual(ci.estimate, 0.35, accuracy: 1e-6)
        XCTAssertEqual(ci.clusters, 3)
        // cluster means are 0.15, 0.35, 0.55: a resample of whole clusters cannot leave that range
        XCTAssertGreaterThanOrEqual(ci.low, 0.15 - 1e-6)
        XCTAssertLessThanOrEqual(ci.high, 0.55 + 1e-6)
        // ... and resampling 3 compounds, not 6 rows, widens the interval (seeded: clustered [0.150, 0.483], rows
        // [0.217, 0.467]); an interval that ignored the clusters would equal the row-level one.
        let rows = s.confidenceInterval(.rmse, options: BootstrapOptions(draws: 500))
        XCTAssertEqual(rows.clusters, 6)
        XCTAssertLessThan(ci.low, rows.low - 0.02, "clustered \(ci), rows \(rows)")
        XCTAssertGreaterThan(ci.high, rows.high, "clustered \(ci), rows \(rows)")
        XCTAssertGreaterThan(ci.high - ci.low, 1.2 * (rows.high - rows.low), "clustered \(ci), rows \(rows)")
    }
}
