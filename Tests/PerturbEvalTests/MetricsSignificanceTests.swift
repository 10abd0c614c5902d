import Foundation
import XCTest

@testable import PerturbEval

/// Wilcoxon signed-rank, Welch t and Holm against SciPy (and statsmodels' Holm algorithm) on the same inputs.
final class MetricsSignificanceTests: XCTestCase {
    /// Deterministic pseudo-random differences around `shift`, rounded to `decimals` (few decimals → ties).
    private func differences(_ n: Int, shift: Double, decimals: Int, phase: Double = 0) -> [Double] {
        let scale = pow(10, Double(decimals))
        return (0..<n).map { i in ((sin(Double(i) * 2.371 + phase) * 1.3 + shift) * scale).rounded() / scale }
    }

    func testWilcoxonMatchesScipyExactPermutationAndNormalCases() throws {
        var cases: [(name: String, d: [Double], method: WilcoxonSignedRank.Method)] = [
            ("n=9 exact", differences(9, shift: 0.4, decimals: 6), .exact),
            ("n=11 one zero (permutation)", differences(10, shift: 0.3, decimals: 6) + [0], .exact),
            ("n=12 ties (permutation)", [0.5, -0.5, 1, 1, -2, 3, 0.5, 2, 4, -1, 0.5, 6], .exact),
            ("n=30 exact", differences(30, shift: 0.2, decimals: 6), .exact),
            ("n=20 ties and zeros (normal)", differences(18, shift: 0.1, decimals: 1) + [0, 0], .normal),
            ("n=60 no ties (normal)", differences(60, shift: -0.15, decimals: 6), .normal),
            ("n=80 ties and zeros (normal)", differences(80, shift: 0.2, decimals: 1, phase: 1), .normal),
            ("n=5 zeros only", [0, 0, 0, 0, 0], .exact),
        ]
        cases.append(("n=50 exact, all positive", (1...50).map { Double($0) * 0.01 + 0.001 * sin(Double($0)) }, .exact))
        let alternatives = TestAlternative.allCases
        let calls = cases.flatMap { c in
            alternatives.map {
                "r = wilcoxon(\(MetricsPythonOracle.list(c.d)), alternative='\($0.rawValue)'); print(r.statistic, r.pvalue)"
            }
        }
        let expected = try MetricsPythonOracle.numbers(
            "from scipy.stats import wilcoxon\n" + calls.joined(separator: "\n"))
        XCTAssertEqual(expected.count, 2 * calls.count, "one statistic and one p-value per call")
        guard expected.count == 2 * calls.count else { return }
        var k = 0
        for c in cases {
            for alternative in alternatives {
                let r = try XCTUnwrap(WilcoxonSignedRank.test(c.d, alternative: alternative))
                XCTAssertEqual(r.statistic, expected[k], accuracy: 1e-9, "\(c.name) \(alternative.rawValue) statistic")
                XCTAssertEqual(r.pValue, expected[k + 1], accuracy: 1e-10, "\(c.name) \(alternative.rawValue) p")
                XCTAssertEqual(r.method, c.method, c.name)
                k += 2
            }
        }
    }

    func testWilcoxonHandCase() throws {
        // d = [1, −2, 3]: ranks 1, 2, 3; R+ = 4, R− = 2; of the 8 sign patterns, R+ ≥ 4 in 3 ({1, 3}, {2, 3}, {1, 2, 3}).
        let r = try XCTUnwrap(WilcoxonSignedRank.test([1, -2, 3], alternative: .greater))
        XCTAssertEqual(r.statistic, 4)
        XCTAssertEqual(r.pValue, 0.375)
        XCTAssertEqual(try XCTUnwrap(WilcoxonSignedRank.test([1, -2, 3])).statistic, 2)
        XCTAssertNil(WilcoxonSignedRank.test([]))
    }

    func testWelchMatchesScipy() throws {
        let samples: [([Double], [Double])] = [
            (
                [0.5714, 0.5731, 0.5690, 0.5722, 0.5705, 0.5741, 0.5698, 0.5716, 0.5733, 0.5702],
                [0.5750, 0.5770, 0.5741, 0.5735, 0.5762, 0.5748, 0.5729, 0.5781, 0.5755, 0.5744]
            ),
            ([1.2, 3.4, 2.2], [0.1, 0.4, 0.35, 0.2, 0.3, 0.28, 0.31]),
            ([10, 10.5, 9.7, 10.1], [0.2, -0.1]),
            ([0.61, 0.62], [0.612, 0.6121, 0.6119]),
        ]
        let calls = samples.map {
            "r = ttest_ind(\(MetricsPythonOracle.list($0.0)), \(MetricsPythonOracle.list($0.1)), equal_var=False); print(r.statistic, r.df, r.pvalue)"
        }
        let expected = try MetricsPythonOracle.numbers(
            "from scipy.stats import ttest_ind\n" + calls.joined(separator: "\n"))
        XCTAssertEqual(expected.count, 3 * samples.count)
        guard expected.count == 3 * samples.count else { return }
        for (i, (a, b)) in samples.enumerated() {
            let r = try XCTUnwrap(WelchTTest.test(a, b))
            XCTAssertEqual(r.statistic, expected[3 * i], accuracy: 1e-10 * max(1, abs(expected[3 * i])), "case \(i) t")
            XCTAssertEqual(
                r.degreesOfFreedom, expected[3 * i + 1], accuracy: 1e-10 * max(1, expected[3 * i + 1]), "case \(i) df")
            XCTAssertEqual(r.pValue, expected[3 * i + 2], accuracy: 1e-10, "case \(i) p")
        }
    }

    func testWelchEdgeCasesFollowScipy() throws {
        // scipy: constant samples with different means → t = −inf, df = 1, p = 0; equal constants → NaN.
        let apart = try XCTUnwrap(WelchTTest.test([1, 1, 1], [2, 2, 2]))
        XCTAssertEqual(apart.statistic, -.infinity)
        XCTAssertEqual(apart.degreesOfFreedom, 1)
        XCTAssertEqual(apart.pValue, 0)
        XCTAssertTrue(try XCTUnwrap(WelchTTest.test([1, 1], [1, 1])).pValue.isNaN)
        XCTAssertNil(WelchTTest.test([1], [1, 2]))
    }

    func testHolmMatchesTheStatsmodelsAlgorithm() throws {
        XCTAssertEqual(HolmCorrection.adjust([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02], accuracy: 1e-15)
        XCTAssertEqual(HolmCorrection.adjust([0.5, 0.6]), [1, 1])
        let withNaN = HolmCorrection.adjust([0.02, .nan, 0.01])
        XCTAssertEqual(withNaN[0], 0.02, accuracy: 1e-15)
        XCTAssertTrue(withNaN[1].isNaN)
        XCTAssertEqual(withNaN[2], 0.02, accuracy: 1e-15)

        let p = [0.0004, 0.2, 0.013, 0.049, 0.013, 0.9, 0.0021, 0.031, 0.6, 0.0009, 0.011]
        // statsmodels.stats.multitest.multipletests(method="holm"), its algorithm verbatim (statsmodels is optional).
        let expected = try MetricsPythonOracle.numbers(
            """
            import numpy as np
            pvals = np.asarray(\(MetricsPythonOracle.list(p)))
            order = np.argsort(pvals)
            s = pvals[order]
            n = len(s)
            corrected = np.maximum.accumulate(s * np.arange(n, 0, -1))
            corrected[corrected > 1] = 1
            out = np.empty_like(corrected); out[order] = corrected
            print(*out)
            """)
        XCTAssertEqual(HolmCorrection.adjust(p), expected, accuracy: 1e-15)
    }
}

private func XCTAssertEqual(
    _ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "lengths", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
