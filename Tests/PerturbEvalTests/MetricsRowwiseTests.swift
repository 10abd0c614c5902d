import PerturbBase
import XCTest

@testable import PerturbEval

final class MetricsRowwiseTests: XCTestCase {
    // Row 0: y = [1, 2, 3, 4], p = [1, 3, 2, 4]. Row 1: y = [2, 2, -1, 0], p = 0 (a zero prediction row).
    let truth: [Float] = [1, 2, 3, 4, 2, 2, -1, 0]
    let prediction: [Float] = [1, 3, 2, 4, 0, 0, 0, 0]

    func testHandComputedRows() throws {
        let s = try RowwiseScores.evaluate(
            truth: truth, prediction: prediction, rows: 2, genes: 4,
            options: RowwiseOptions(topK: 2))
        // Row 0 by hand: diffs (0, −1, 1, 0); centered y (−1.5, −.5, .5, 1.5), centered p (−1.5, .5, −.5, 1.5).
        XCTAssertEqual(s.perRow[.rmse]![0], 0.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.perRow[.mae]![0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.perRow[.pearson]![0], 0.8, accuracy: 1e-12)  // 4 / 5
        XCTAssertEqual(s.perRow[.spearman]![0], 0.8, accuracy: 1e-12)
        XCTAssertEqual(s.perRow[.cosine]![0], 29.0 / 30.0, accuracy: 1e-12)
        XCTAssertEqual(s.perRow[.r2]![0], 0.6, accuracy: 1e-12)  // 1 − 2/5
        XCTAssertEqual(s.perRow[.directionAccuracy]![0], 1.0)
        XCTAssertEqual(s.perRow[.topKOverlap]![0], 0.5)  // {3,2} vs {3,1}
        // Row 1: zero prediction → correlations and cosine are non-finite → 0 (OP3).
        XCTAssertEqual(s.perRow[.rmse]![1], 1.5, accuracy: 1e-12)  // sqrt(9/4)
        XCTAssertEqual(s.perRow[.mae]![1], 1.25, accuracy: 1e-12)
        XCTAssertEqual(s.perRow[.pearson]![1], 0)
        XCTAssertEqual(s.perRow[.spearman]![1], 0)
        XCTAssertEqual(s.perRow[.cosine]![1], 0)
        XCTAssertEqual(s.perRow[.r2]![1], 1 - 9 / 6.75, accuracy: 1e-12)
        XCTAssertEqual(s.perRow[.directionAccuracy]![1], 0)  // sign 0 never matches ±1
        XCTAssertEqual(s.perRow[.topKOverlap]![1], 1.0)  // ties keep the lower index
        // Means over conditions.
        XCTAssertEqual(s.mean(.rmse), (0.5.squareRoot() + 1.5) / 2, accuracy: 1e-12)
        XCTAssertEqual(s.mean(.pearson), 0.4, accuracy: 1e-12)
        XCTAssertEqual(s.mean(.cosine), (29.0 / 30.0) / 2, accuracy: 1e-12)
    }

    func testSpearmanAveragesTies() {
        XCTAssertEqual(Ranking.averageRanks([2, 2, -1, 0]), [3.5, 3.5, 1, 2])
        // scipy.stats.spearmanr([2, 2, -1, 0], [1, 2, 3, 4]) = −0.7378647873726218
        XCTAssertEqual(VectorStatistics.spearman([2, 2, -1, 0], [1, 2, 3, 4])!, -0.7378647873726218, accuracy: 1e-12)
    }

    func testMaskExcludesUnmeasuredGenes() throws {
        var mask = [Bool](repeating: true, count: 8)
        mask[3] = false
        mask[4...] = [false, false, false, false]
        let s = try RowwiseScores.evaluate(truth: truth, prediction: prediction, rows: 2, genes: 4, mask: mask)
        // Row 0 on y = [1, 2, 3], p = [1, 3, 2]: rmse sqrt(2/3), Pearson 1/2.
        XCTAssertEqual(s.perRow[.rmse]![0], (2.0 / 3.0).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.perRow[.pearson]![0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.genesPerRow, [3, 0])
        XCTAssertTrue(s.perRow[.rmse]![1].isNaN)  // no gene: left out of the mean
        XCTAssertEqual(s.mean(.rmse), (2.0 / 3.0).squareRoot(), accuracy: 1e-12)
    }

    func testNonFiniteTruthIsAnErrorAndPredictionIsZeroed() throws {
        var badTruth = truth
        badTruth[5] = .nan
        XCTAssertThrowsError(
            try RowwiseScores.evaluate(
                truth: badTruth, prediction: prediction, rows: 2, genes: 4,
                rowLabels: ["a", "b"], geneNames: ["g0", "g1", "g2", "g3"])
        ) {
            XCTAssertTrue(String(describing: $0).contains("condition b, gene g1"), "\($0)")
        }
        var badPrediction = prediction
        badPrediction[1] = .infinity
        let s = try RowwiseScores.evaluate(truth: truth, prediction: badPrediction, rows: 2, genes: 4)
        XCTAssertEqual(s.nonFinitePredictionsReplaced, 1)
        XCTAssertEqual(s.perRow[.mae]![0], (0 + 2 + 1 + 0) / 4.0, accuracy: 1e-12)  // p = [1, 0, 2, 4]
    }

    func testPooledDiffersFromRowwise() {
        let pooled = PooledScores.evaluate(truth: truth, prediction: prediction)
        XCTAssertEqual(pooled.rmse, (11.0 / 8.0).squareRoot(), accuracy: 1e-12)  // (2 + 9) / 8 squared errors
        XCTAssertEqual(pooled.mae, 7.0 / 8.0, accuracy: 1e-12)
        XCTAssertEqual(pooled.count, 8)
        let masked = PooledScores.evaluate(
            truth: truth, prediction: prediction, mask: [true, true, true, true, false, false, false, false])
        XCTAssertEqual(masked.rmse, 0.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(masked.r2, 0.6, accuracy: 1e-12)
        XCTAssertEqual(masked.pearson, 0.8, accuracy: 1e-12)
    }

    func testAgainstNumpyScipyOnRandomRowsWithTies() throws {
        var rng = SeededRNG(seed: 7)
        let rows = 5, genes = 30
        // Values rounded to one decimal so ties occur.
        let y = (0..<rows * genes).map { _ in Float((rng.nextGaussian() * 10).rounded() / 10) }
        let p = (0..<rows * genes).map { _ in Float((rng.nextGaussian() * 10).rounded() / 10) }
        let s = try RowwiseScores.evaluate(
            truth: y, prediction: p, rows: rows, genes: genes, options: RowwiseOptions(topK: 5))
        let expected = try MetricsPythonOracle.numbers(
            """
            import numpy as np
            from scipy.stats import spearmanr, pearsonr
            y = np.array(\(MetricsPythonOracle.list(y)), dtype=np.float32).astype(float).reshape(\(rows), \(genes))
            p = np.array(\(MetricsPythonOracle.list(p)), dtype=np.float32).astype(float).reshape(\(rows), \(genes))
            rmse = np.sqrt(((y - p) ** 2).mean(1)).mean()
            mae = np.abs(y - p).mean(1).mean()
            sp = np.mean([spearmanr(a, b).statistic for a, b in zip(y, p)])
            pe = np.mean([pearsonr(a, b).statistic for a, b in zip(y, p)])
            co = np.mean([a @ b / np.linalg.norm(a) / np.linalg.norm(b) for a, b in zip(y, p)])
            print(rmse, mae, sp, pe, co)
            """)
        guard expected.count == 5 else { return XCTFail("oracle output: \(expected)") }
        XCTAssertEqual(s.mean(.rmse), expected[0], accuracy: 1e-9)
        XCTAssertEqual(s.mean(.mae), expected[1], accuracy: 1e-9)
        XCTAssertEqual(s.mean(.spearman), expected[2], accuracy: 1e-9)
        XCTAssertEqual(s.mean(.pearson), expected[3], accuracy: 1e-9)
        XCTAssertEqual(s.mean(.cosine), expected[4], accuracy: 1e-9)
    }
}
