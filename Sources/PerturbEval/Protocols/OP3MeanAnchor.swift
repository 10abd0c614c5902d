import Foundation
import PerturbBase

/// How an OP3 predictor's output is tied to the per-context training mean (`evaluate op3 --anchor`).
public enum OP3Anchor: String, Codable, Sendable, CaseIterable {
    /// The predictor regresses the targets themselves (the reference method as published).
    case none
    /// The predictor regresses residuals from the per-context training mean, and its residual prediction is shrunk
    /// toward zero by a factor chosen by cross-validation over the training compounds (`OP3MeanAnchor`).
    case mean
}

/// The prediction of a mean-anchored fit and the shrinkage factor its cross-validation chose.
public struct OP3AnchoredPrediction: Sendable {
    /// Row-major `test.count × genes`.
    public var prediction: [Float]
    /// The factor on the residual prediction, in [0, 1]: 0 is the per-context training mean, 1 the unshrunk model.
    public var shrinkage: Float
}

/// Makes the per-context training mean the null model of an OP3 predictor.
///
/// For cell type `c` let `μ_c` be the gene-wise mean of the training rows of `c`. The predictor is trained on the
/// residuals `y − μ_c` and predicts `μ_c + α·f(x)`, where `α ∈ [0, 1]` minimises the squared error of the
/// out-of-fold residual predictions: the training compounds (never the held-out ones) are split into `folds` groups
/// (seeded; every row of a compound in one group, as the protocol holds compounds out), the predictor is refitted
/// on each complement with its own means `μ_c` and predicts the group, and `α = ⟨r, p⟩ / ⟨p, p⟩` over all
/// out-of-fold rows, clipped to [0, 1]. So features that do not generalise to unseen compounds give `α` near 0 and
/// the per-context mean (they cannot fall far below it), informative ones `α` near 1. The final model is fitted on
/// every training row with the caller's seed; its output is clipped per gene to the training range.
/// Costs `folds + 1` fits of the predictor.
public enum OP3MeanAnchor {
    /// Fits `fit` (a predictor: problem and seed → `test.count × genes`) anchored at the per-context mean.
    /// With fewer than 2 training compounds there is nothing to validate on and `α` is 1.
    public static func fitPredict(
        _ problem: OP3PredictionProblem, folds: Int, seed: UInt64,
        fit: (OP3PredictionProblem, UInt64) -> [Float]
    ) -> OP3AnchoredPrediction {
        precondition(folds >= 2, "OP3MeanAnchor: folds must be at least 2")
        let g = problem.genes
        let compounds = orderedCompounds(problem.train)
        var shrinkage: Float = 1
        if compounds.count >= 2 {
            var order = compounds
            var rng = SeededRNG.derived(seed: seed, label: "op3-anchor-folds")
            rng.shuffle(&order)
            let k = min(folds, order.count)
            let foldOf = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset % k) })
            var dot = 0.0, norm = 0.0
            let rows = 0..<problem.train.count
            for fold in 0..<k {
                let inner = rows.filter { foldOf[problem.train.compounds[$0]] != fold }
                let outer = rows.filter { foldOf[problem.train.compounds[$0]] == fold }
                let innerProblem = subproblem(problem, train: inner, test: outer)
                let means = contextMeans(
                    innerProblem.train, targets: innerProblem.targets, genes: g,
                    cellTypes: problem.cellTypeCount)
                let residual = residualProblem(innerProblem, means: means)
                var foldRng = SeededRNG.derived(seed: seed, label: "op3-anchor-fold-\(fold)")
                let predicted = fit(residual, foldRng.next())
                for (i, r) in outer.enumerated() {
                    let mean = means[Int(problem.train.cellTypes[r])]
                    for j in 0..<g {
                        let p = Double(predicted[i * g + j])
                        dot += (Double(problem.targets[r * g + j]) - Double(mean[j])) * p
                        norm += p * p
                    }
                }
            }
            shrinkage = norm > 0 ? Float(min(1, max(0, dot / norm))) : 0
        }
        let means = contextMeans(problem.train, targets: problem.targets, genes: g, cellTypes: problem.cellTypeCount)
        let residual = fit(residualProblem(problem, means: means), seed)
        var output = [Float](repeating: 0, count: problem.test.count * g)
        for i in 0..<problem.test.count {
            let mean = means[Int(problem.test.cellTypes[i])]
            for j in 0..<g { output[i * g + j] = mean[j] + shrinkage * residual[i * g + j] }
        }
        GeneRangeClipper(fitting: problem.targets, rows: problem.train.count, genes: g).clip(&output)
        return OP3AnchoredPrediction(prediction: output, shrinkage: shrinkage)
    }

    /// The distinct compounds of `examples`, in first-appearance order.
    static func orderedCompounds(_ examples: OP3Examples) -> [Int32] {
        var seen = Set<Int32>()
        return examples.compounds.filter { seen.insert($0).inserted }
    }

    /// Per cell type, the gene-wise mean of its training rows; a cell type without training rows gets the mean of
    /// all training rows.
    static func contextMeans(_ train: OP3Examples, targets: [Float], genes g: Int, cellTypes: Int) -> [[Float]] {
        var sums = [[Double]](repeating: [Double](repeating: 0, count: g), count: cellTypes + 1)
        var counts = [Int](repeating: 0, count: cellTypes + 1)
        for r in 0..<train.count {
            for c in [Int(train.cellTypes[r]), cellTypes] {
                counts[c] += 1
                for j in 0..<g { sums[c][j] += Double(targets[r * g + j]) }
            }
        }
        let overall = sums[cellTypes].map { Float($0 / Double(max(counts[cellTypes], 1))) }
        return (0..<cellTypes).map { c in counts[c] > 0 ? sums[c].map { Float($0 / Double(counts[c])) } : overall }
    }

    /// `problem` restricted to training rows `train` (as the new training set) and `test` (as the new held-out rows).
    static func subproblem(_ problem: OP3PredictionProblem, train: [Int], test: [Int]) -> OP3PredictionProblem {
        let g = problem.genes
        var targets = [Float](); targets.reserveCapacity(train.count * g)
        for r in train { targets += problem.targets[(r * g)..<((r + 1) * g)] }
        return OP3PredictionProblem(
            train: problem.train.subset(train[...]), targets: targets, genes: g,
            test: problem.train.subset(test[...]), cellTypeCount: problem.cellTypeCount,
            compoundCount: problem.compoundCount)
    }

    /// `problem` with its training targets replaced by their residuals from `means` (per cell type).
    static func residualProblem(_ problem: OP3PredictionProblem, means: [[Float]]) -> OP3PredictionProblem {
        var residual = problem
        let g = problem.genes
        for r in 0..<problem.train.count {
            let mean = means[Int(problem.train.cellTypes[r])]
            for j in 0..<g { residual.targets[r * g + j] -= mean[j] }
        }
        return residual
    }
}
