import Foundation
import PerturbBase

/// The per-condition metrics of the OP3 benchmark and the extras the evaluations report.
public enum RowwiseMetric: String, CaseIterable, Codable, Sendable {
    /// `sqrt(mean_j (Y_ij − P_ij)²)` — averaged over rows this is OP3's "mean rowwise RMSE" (MRRMSE).
    case rmse
    /// `mean_j |Y_ij − P_ij|`.
    case mae
    /// Pearson correlation over genes; non-finite (zero variance) → 0 as in OP3.
    case pearson
    /// Spearman correlation (Pearson of average-tie ranks); non-finite → 0 as in OP3.
    case spearman
    /// Cosine similarity; non-finite (a zero row) → 0 as in OP3.
    case cosine
    /// `1 − SS_res/SS_tot` around the row mean of the truth; rows with constant truth are left out of the mean.
    case r2
    /// Fraction of DE genes of the truth (`|Y_ij| > directionThreshold`) whose predicted sign matches;
    /// rows without such genes are left out of the mean.
    case directionAccuracy = "direction_accuracy"
    /// `|top-k(|Y_i|) ∩ top-k(|P_i|)| / k` with `k = min(topK, genes in the row)`.
    case topKOverlap = "topk_overlap"

    /// Whether a larger value is better (for reports).
    public var higherIsBetter: Bool { !(self == .rmse || self == .mae) }
}

/// Options of the row-wise evaluation.
public struct RowwiseOptions: Sendable {
    /// Genes per row for the top-k overlap.
    public var topK: Int
    /// A truth value with `|Y| > directionThreshold` counts as a DE gene for direction accuracy.
    public var directionThreshold: Double

    public init(topK: Int = 50, directionThreshold: Double = 0) {
        self.topK = topK
        self.directionThreshold = directionThreshold
    }
}

/// A truth value that is NaN or infinite on a gene the evaluation includes (OP3 treats this as an error).
public struct NonFiniteTruthError: UserInputError {
    public let row: String
    public let gene: String
    public let value: Float
    public var description: String {
        "truth value \(value) for condition \(row), gene \(gene) is not finite; remove the row or mark the gene as not measured"
    }
}

/// Per-row scores of a prediction matrix against a truth matrix, following OP3's `mean_rowwise_error` and
/// `mean_rowwise_correlation` (see the reference spec §5.1): each metric is computed over the genes of one
/// condition (row) and the headline value is the arithmetic mean over rows.
public struct RowwiseScores: Sendable {
    /// Per-row values of each metric, in row order; NaN where the metric is undefined for the row.
    public var perRow: [RowwiseMetric: [Double]]
    /// Number of genes each row was scored on (after the mask).
    public var genesPerRow: [Int]
    /// Prediction values that were NaN or infinite and were replaced by 0 (OP3 does the same, with a warning).
    public var nonFinitePredictionsReplaced: Int

    /// Mean over rows (NaN rows skipped); NaN when no row has a value.
    public func mean(_ metric: RowwiseMetric) -> Double {
        VectorStatistics.finiteMean(perRow[metric] ?? []) ?? .nan
    }

    /// Scores every row of `truth` against `prediction` (both row-major `rows × genes`).
    ///
    /// - Parameters:
    ///   - mask: optional, same shape; `false` excludes a gene from that row (not measured). Rows with no
    ///     included gene get NaN for every metric.
    ///   - rowLabels, geneNames: used only in error messages.
    /// - Throws: `NonFiniteTruthError` when an included truth value is not finite.
    public static func evaluate(
        truth: [Float], prediction: [Float], rows: Int, genes: Int, mask: [Bool]? = nil,
        options: RowwiseOptions = RowwiseOptions(), rowLabels: [String]? = nil, geneNames: [String]? = nil
    ) throws -> RowwiseScores {
        precondition(truth.count == rows * genes && prediction.count == rows * genes, "shape mismatch")
        precondition(mask == nil || mask!.count == rows * genes, "mask shape mismatch")
        var perRow = [RowwiseMetric: [Double]]()
        for metric in RowwiseMetric.allCases { perRow[metric] = [Double](repeating: .nan, count: rows) }
        var genesPerRow = [Int](repeating: 0, count: rows)
        var replaced = 0
        for r in 0..<rows {
            var y: [Double] = [], p: [Double] = []
            y.reserveCapacity(genes); p.reserveCapacity(genes)
            for g in 0..<genes where mask?[r * genes + g] ?? true {
                let t = truth[r * genes + g]
                guard t.isFinite else {
                    throw NonFiniteTruthError(
                        row: rowLabels?[r] ?? "row \(r)", gene: geneNames?[g] ?? "column \(g)", value: t)
                }
                var v = prediction[r * genes + g]
                if !v.isFinite { v = 0; replaced += 1 }
                y.append(Double(t)); p.append(Double(v))
            }
            genesPerRow[r] = y.count
            guard !y.isEmpty else { continue }
            let scores = scoreRow(truth: y, prediction: p, options: options)
            for (metric, value) in scores { perRow[metric]![r] = value }
        }
        return RowwiseScores(perRow: perRow, genesPerRow: genesPerRow, nonFinitePredictionsReplaced: replaced)
    }

    /// All metrics of one row (non-empty vectors).
    static func scoreRow(truth y: [Double], prediction p: [Double], options: RowwiseOptions) -> [RowwiseMetric: Double]
    {
        var out = [RowwiseMetric: Double]()
        out[.rmse] = VectorStatistics.rmse(y, p)!
        out[.mae] = VectorStatistics.mae(y, p)!
        out[.pearson] = VectorStatistics.pearson(y, p) ?? 0
        out[.spearman] = VectorStatistics.spearman(y, p) ?? 0
        out[.cosine] = VectorStatistics.cosine(y, p) ?? 0
        out[.r2] = VectorStatistics.r2(truth: y, prediction: p) ?? .nan
        let de = y.indices.filter { abs(y[$0]) > options.directionThreshold }
        out[.directionAccuracy] = VectorStatistics.signConcordance(y, p, positions: de) ?? .nan
        let k = min(options.topK, y.count)
        if k > 0 {
            let top = Set(Ranking.topIndicesByMagnitude(y, k: k))
            let shared = Ranking.topIndicesByMagnitude(p, k: k).filter { top.contains($0) }.count
            out[.topKOverlap] = Double(shared) / Double(k)
        }
        return out
    }
}
