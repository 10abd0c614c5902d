/// Metrics pooled over every (condition, gene) value of a split, as perturblib's evaluators compute them
/// (reference spec §5.2): one RMSE over all scalars, not a mean of per-row RMSEs. Kept apart from
/// `RowwiseScores` on purpose — the two RMSEs differ whenever rows have different errors or gene counts.
public struct PooledScores: Equatable, Sendable {
    /// `sqrt(mean (y − ŷ)²)` over all included values (sklearn `root_mean_squared_error`).
    public var rmse: Double
    /// `mean |y − ŷ|`.
    public var mae: Double
    /// `1 − SS_res/SS_tot` with the pooled mean of `y` (sklearn `r2_score`); NaN when `y` is constant.
    public var r2: Double
    /// Pearson correlation of all pairs (scipy `pearsonr`); NaN when undefined.
    public var pearson: Double
    /// Number of values scored.
    public var count: Int

    /// Scores `prediction` against `truth` over the positions where `mask` is true (all when nil) and both values
    /// are finite. All fields are NaN when nothing is left.
    public static func evaluate(truth: [Float], prediction: [Float], mask: [Bool]? = nil) -> PooledScores {
        precondition(truth.count == prediction.count, "shape mismatch")
        precondition(mask == nil || mask!.count == truth.count, "mask shape mismatch")
        var y: [Double] = [], p: [Double] = []
        y.reserveCapacity(truth.count); p.reserveCapacity(truth.count)
        for i in truth.indices where (mask?[i] ?? true) && truth[i].isFinite && prediction[i].isFinite {
            y.append(Double(truth[i])); p.append(Double(prediction[i]))
        }
        guard !y.isEmpty else { return PooledScores(rmse: .nan, mae: .nan, r2: .nan, pearson: .nan, count: 0) }
        return PooledScores(
            rmse: VectorStatistics.rmse(y, p)!,
            mae: VectorStatistics.mae(y, p)!,
            r2: VectorStatistics.r2(truth: y, prediction: p) ?? .nan,
            pearson: VectorStatistics.pearson(y, p) ?? .nan,
            count: y.count)
    }
}
