/// Per-pair agreement metrics between two logFC profiles `a` and `b` over the genes both measure.
///
/// Definitions (`t` = DE threshold on |logFC|, `k` = top-k size):
/// - `spearman`, `pearson`: correlation of all shared genes ("signature similarity", reference Table 6);
///   NaN when undefined (< 2 genes or a constant vector).
/// - `spearman_de`: reference Table 4's DEG-restricted Spearman, symmetric: the mean of Spearman over the genes DE
///   in `a` and over the genes DE in `b` (a gene is DE when |logFC| > t); NaN if either side is NaN.
/// - `direction_de_both`: fraction of genes with sign(a) = sign(b) among genes DE in both (reference Table 5).
/// - `direction_de_either`: the same among genes DE in either profile.
/// - `direction_topk`: the same among the union of each profile's top-k genes by |logFC|.
/// - `topk_jaccard`: |T_a ∩ T_b| / |T_a ∪ T_b| of the top-k genes by |logFC| (ties broken by gene order).
/// - `topk_overlap`: |T_a ∩ T_b| / k (reference `overlap@k`). Both top-k metrics are NaN with fewer than k genes.
/// - `norm_ratio`: magnitude agreement min(‖a‖, ‖b‖) / max(‖a‖, ‖b‖) of the L2 norms over shared genes (1 = same
///   overall effect size).
/// - `scaled_rmse`: RMSE between the profiles after z-scoring each dataset by its global logFC mean and standard
///   deviation (over all measured values of its non-control conditions), so datasets on different logFC scales
///   compare; 0 = identical, about √2 for unrelated profiles of unit scale. Lower is better.
public enum AgreementMetric: String, CaseIterable, Codable, Sendable {
    case spearman
    case pearson
    case spearmanDE = "spearman_de"
    case directionDEBoth = "direction_de_both"
    case directionDEEither = "direction_de_either"
    case directionTopK = "direction_topk"
    case topKJaccard = "topk_jaccard"
    case topKOverlap = "topk_overlap"
    case normRatio = "norm_ratio"
    case scaledRMSE = "scaled_rmse"

    /// Whether a larger value means better agreement.
    public var higherIsBetter: Bool { self != .scaledRMSE }

    /// The range the metric can take, for colour scales: −1...1 for correlations, 0...1 for fractions and ratios;
    /// nil for `scaled_rmse`, which is ≥ 0 without an upper bound.
    public var valueRange: ClosedRange<Double>? {
        switch self {
        case .spearman, .pearson, .spearmanDE: return -1...1
        case .directionDEBoth, .directionDEEither, .directionTopK, .topKJaccard, .topKOverlap, .normRatio: return 0...1
        case .scaledRMSE: return nil
        }
    }

    /// A short human label for reports.
    public var title: String {
        switch self {
        case .spearman: return "Spearman of logFC (all shared genes)"
        case .pearson: return "Pearson of logFC (all shared genes)"
        case .spearmanDE: return "Spearman on DE genes (symmetric)"
        case .directionDEBoth: return "Direction agreement, genes DE in both"
        case .directionDEEither: return "Direction agreement, genes DE in either"
        case .directionTopK: return "Direction agreement, top-k genes"
        case .topKJaccard: return "Top-k Jaccard"
        case .topKOverlap: return "Top-k overlap / k"
        case .normRatio: return "Norm ratio (smaller / larger)"
        case .scaledRMSE: return "RMSE after per-dataset z-scaling"
        }
    }
}

/// Options of the per-pair scores.
public struct AgreementOptions: Sendable {
    /// Genes per profile for the top-k metrics.
    public var topK: Int
    /// |logFC| above this makes a gene DE.
    public var deThreshold: Double

    public init(topK: Int = 50, deThreshold: Double = 1.0) {
        self.topK = topK
        self.deThreshold = deThreshold
    }
}

/// Computes `AgreementMetric`s of one pair of aligned profiles.
public enum PairAgreement {
    /// Scores `a` against `b` (same genes, same order, all finite). `scaleA`/`scaleB` are each dataset's global
    /// (mean, sd) for `scaled_rmse`. Returns NaN for undefined metrics.
    public static func score(
        _ a: [Double], _ b: [Double], scaleA: (mean: Double, sd: Double) = (0, 1), scaleB: (mean: Double, sd: Double) = (0, 1),
        options: AgreementOptions
    ) -> [AgreementMetric: Double] {
        precondition(a.count == b.count, "profiles differ in length")
        var out = [AgreementMetric: Double]()
        out[.spearman] = VectorStatistics.spearman(a, b) ?? .nan
        out[.pearson] = VectorStatistics.pearson(a, b) ?? .nan
        let t = options.deThreshold
        let isDEA = a.map { abs($0) > t }, isDEB = b.map { abs($0) > t }
        let deA = a.indices.filter { isDEA[$0] }, deB = b.indices.filter { isDEB[$0] }
        out[.spearmanDE] = symmetricDESpearman(a, b, deA: deA, deB: deB)
        out[.directionDEBoth] = VectorStatistics.signConcordance(a, b, positions: deA.filter { isDEB[$0] }) ?? .nan
        out[.directionDEEither] = VectorStatistics.signConcordance(a, b, positions: a.indices.filter { isDEA[$0] || isDEB[$0] }) ?? .nan
        let k = options.topK
        if k > 0 && a.count >= k {
            var inTopA = [Bool](repeating: false, count: a.count), inTopB = inTopA
            for i in Ranking.topIndicesByMagnitude(a, k: k) { inTopA[i] = true }
            for i in Ranking.topIndicesByMagnitude(b, k: k) { inTopB[i] = true }
            let shared = a.indices.filter { inTopA[$0] && inTopB[$0] }.count
            out[.topKJaccard] = Double(shared) / Double(2 * k - shared)
            out[.topKOverlap] = Double(shared) / Double(k)
            out[.directionTopK] = VectorStatistics.signConcordance(a, b, positions: a.indices.filter { inTopA[$0] || inTopB[$0] }) ?? .nan
        } else {
            out[.topKJaccard] = .nan
            out[.topKOverlap] = .nan
            out[.directionTopK] = .nan
        }
        let na = VectorStatistics.norm(a), nb = VectorStatistics.norm(b)
        out[.normRatio] = max(na, nb) > 0 ? min(na, nb) / max(na, nb) : .nan
        if a.isEmpty {
            out[.scaledRMSE] = .nan
        } else {
            var s = 0.0
            for i in a.indices {
                let d = (a[i] - scaleA.mean) / scaleA.sd - (b[i] - scaleB.mean) / scaleB.sd
                s += d * d
            }
            out[.scaledRMSE] = (s / Double(a.count)).squareRoot()
        }
        return out
    }

    /// Mean of the Spearman over `a`'s DE genes and over `b`'s DE genes; NaN if either is undefined.
    static func symmetricDESpearman(_ a: [Double], _ b: [Double], deA: [Int], deB: [Int]) -> Double {
        func side(_ genes: [Int]) -> Double? {
            VectorStatistics.spearman(genes.map { a[$0] }, genes.map { b[$0] })
        }
        guard let left = side(deA), let right = side(deB) else { return .nan }
        return (left + right) / 2
    }
}
