import Foundation
import PerturbBase
import XCTest

@testable import PerturbEval

/// `OP3MeanAnchor`: the per-context training mean is the null model; the shrinkage chosen on the training compounds
/// keeps an informative predictor and removes an uninformative one.
final class ProtocolOP3AnchorTests: XCTestCase {
    /// 40 compounds × 2 cell types × 12 genes, a cell-type offset plus a compound effect; rows are compound-major
    /// (row = 2 · compound + cell type), the first 30 compounds train and the last 10 are held out.
    static func problem() -> (problem: OP3PredictionProblem, rows: [[Float]]) {
        var rng = SeededRNG(seed: 3)
        let compounds = 40, cells = 2, genes = 12
        let offsets = (0..<cells).map { _ in (0..<genes).map { _ in Float(rng.nextGaussian()) } }
        let effects = (0..<compounds).map { _ in (0..<genes).map { _ in Float(rng.nextGaussian()) * 0.5 } }
        var cellTypes: [Int32] = [], compoundIds: [Int32] = [], rows: [[Float]] = []
        for c in 0..<compounds {
            for t in 0..<cells {
                cellTypes.append(Int32(t)); compoundIds.append(Int32(c))
                rows.append(zip(offsets[t], effects[c]).map(+))
            }
        }
        let trainRows = Array(0..<60), testRows = Array(60..<80)
        let examples = OP3Examples(cellTypes: cellTypes, compounds: compoundIds)
        let problem = OP3PredictionProblem(
            train: examples.subset(trainRows[...]),
            targets: trainRows.flatMap { rows[$0] }, genes: genes,
            test: examples.subset(testRows[...]), cellTypeCount: cells,
            compoundCount: compounds)
        return (problem, rows)
    }

    func testAnInformativePredictorKeepsItsResidualAndANoiseOneFallsBackToTheMean() throws {
        let (problem, rows) = Self.problem()
        // An oracle that knows every row: it predicts the row minus the mean of the training rows it is given.
        let oracle = OP3MeanAnchor.fitPredict(problem, folds: 3, seed: 7) { p, _ in
            let raw = p.train.compounds.indices.flatMap {
                rows[Int(p.train.compounds[$0]) * 2 + Int(p.train.cellTypes[$0])]
            }
            let means = OP3MeanAnchor.contextMeans(p.train, targets: raw, genes: p.genes, cellTypes: 2)
            return p.test.compounds.indices.flatMap { i -> [Float] in
                let t = Int(p.test.cellTypes[i])
                return zip(rows[Int(p.test.compounds[i]) * 2 + t], means[t]).map(-)
            }
        }
        XCTAssertEqual(oracle.shrinkage, 1, accuracy: 1e-4)
        // μ + 1 · (row − μ): the held-out truth, clipped per gene to the training range.
        var expected = Array(rows[60..<80].joined())
        GeneRangeClipper(fitting: problem.targets, rows: problem.train.count, genes: problem.genes).clip(&expected)
        for (p, e) in zip(oracle.prediction, expected) { XCTAssertEqual(p, e, accuracy: 1e-4) }
        // Noise that knows nothing about the compounds: shrunk to (nearly) nothing, so the mean is predicted.
        var noise = SeededRNG(seed: 11)
        let null = OP3MeanAnchor.fitPredict(problem, folds: 3, seed: 7) { p, _ in
            (0..<(p.test.count * p.genes)).map { _ in Float(noise.nextGaussian()) }
        }
        XCTAssertLessThan(null.shrinkage, 0.1)
        let means = OP3MeanAnchor.contextMeans(
            problem.train, targets: problem.targets, genes: problem.genes,
            cellTypes: 2)
        var deviation: Float = 0
        for i in 0..<problem.test.count {
            for j in 0..<problem.genes {
                deviation = max(
                    deviation,
                    abs(
                        null.prediction[i * problem.genes + j]
                            - means[Int(problem.test.cellTypes[i])][j]))
            }
        }
        XCTAssertLessThan(deviation, 0.5, "the noise predictor's output stays near the training mean")
    }
}
