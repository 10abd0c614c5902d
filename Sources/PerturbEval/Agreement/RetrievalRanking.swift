/// Rank statistics of one retrieval query (seed spec §5.3 "Retrieval", `summarize_retrieval_scores`).
public struct RankSummary: Equatable, Sendable {
    /// Best (smallest) rank of a positive among the candidates, ranks `rankdata(−scores, "min")`.
    public var bestRank: Double
    /// `1 − (bestRank − 1)/(N − 1)` over N candidates.
    public var normalizedRank: Double
    /// 1 when a positive ranks first, else 0.
    public var recallAt1: Double
    /// `(Σ_pos #{neg < pos} + 0.5·#{|neg − pos| ≤ 1e-12}) / (n_pos · n_neg)`.
    public var auroc: Double

    /// Every statistic NaN.
    public static let undefined = RankSummary(bestRank: .nan, normalizedRank: .nan, recallAt1: .nan, auroc: .nan)
}

/// The retrieval rank statistics and their exact null.
enum RetrievalRanking {
    /// Ranks of `scores` against positives; undefined without a positive or a negative, or with a non-finite score.
    static func summarize(_ scores: [Double], positive: [Bool]) -> RankSummary {
        let nPos = positive.filter { $0 }.count
        let nNeg = positive.count - nPos
        guard nPos > 0, nNeg > 0, scores.allSatisfy(\.isFinite) else { return .undefined }
        var best = Double.infinity
        for i in scores.indices where positive[i] {
            best = min(best, Double(1 + scores.filter { $0 > scores[i] }.count))
        }
        let normalized = 1 - (best - 1) / Double(scores.count - 1)
        var wins = 0.0
        for i in scores.indices where positive[i] {
            for j in scores.indices where !positive[j] {
                if scores[i] > scores[j] { wins += 1 }
                if abs(scores[i] - scores[j]) <= 1e-12 { wins += 0.5 }
            }
        }
        return RankSummary(
            bestRank: best, normalizedRank: normalized, recallAt1: best == 1 ? 1 : 0,
            auroc: wins / Double(nPos * nNeg))
    }

    /// The ranks of one extra candidate with similarity `candidate` placed among `scores` as the only positive
    /// (`_injected_candidate_metrics`: the source- and target-centroid ranks).
    static func injected(_ scores: [Double], candidate: Double) -> RankSummary {
        guard candidate.isFinite else { return .undefined }
        return summarize(scores + [candidate], positive: [Bool](repeating: false, count: scores.count) + [true])
    }

    /// The mean ranks of single peer signatures placed one at a time among the candidates' scores
    /// (`expected_single_signature_metrics`): for peer score s, rank `1 + #{target > s}`, normalized
    /// `1 − #{target > s}/T`, recall `[rank = 1]`, AUROC `(#{target < s} + 0.5·#{|target − s| ≤ 1e-12})/T`.
    static func expectedSingleSignature(targets: [Double], peers: [Double]) -> RankSummary {
        let t = targets.filter(\.isFinite)
        let p = peers.filter(\.isFinite)
        guard !t.isEmpty, !p.isEmpty else { return .undefined }
        var rank = 0.0
        var normalized = 0.0
        var recall = 0.0
        var auroc = 0.0
        let n = Double(t.count)
        for s in p {
            let better = Double(t.filter { $0 > s }.count)
            let below = Double(t.filter { $0 < s }.count)
            let close = Double(t.filter { abs($0 - s) <= 1e-12 }.count)
            rank += 1 + better
            normalized += 1 - better / n
            recall += better == 0 ? 1 : 0
            auroc += (below + 0.5 * close) / n
        }
        let k = Double(p.count)
        return RankSummary(bestRank: rank / k, normalizedRank: normalized / k, recallAt1: recall / k, auroc: auroc / k)
    }

    /// The exact null of the best rank of K positives among N candidates placed uniformly (`exact_cross_assay_null`):
    /// `E[best] = (N+1)/(K+1)`, its normalized rank, recall K/N and AUROC 0.5; undefined unless 1 ≤ K < N and N ≥ 2.
    static func exactNull(candidates n: Int, positives k: Int) -> RankSummary {
        guard n >= 2, k >= 1, k < n else { return .undefined }
        let best = Double(n + 1) / Double(k + 1)
        return RankSummary(
            bestRank: best, normalizedRank: 1 - (best - 1) / Double(n - 1), recallAt1: Double(k) / Double(n), auroc: 0.5
        )
    }

    /// `P(best ≥ r) = C(N − r + 1, K) / C(N, K)` under the uniform null (`null_best_rank_survival`).
    static func survival(candidates n: Int, positives k: Int, rank r: Int) -> Double {
        guard k >= 1, k <= n, r >= 1 else { return .nan }
        guard n - r + 1 >= k else { return 0 }
        var p = 1.0
        for i in 0..<k { p *= Double(n - r + 1 - i) / Double(n - i) }
        return p
    }

    /// The mid-P probability integral transform of an observed best rank: `P(best < r) + 0.5·P(best = r)`
    /// (`exact_null_rank_calibration` `null_pit`); small values mean better than chance.
    static func nullPIT(candidates n: Int, positives k: Int, bestRank: Double) -> Double {
        guard bestRank.isFinite else { return .nan }
        let r = Int(bestRank)
        let atRank = survival(candidates: n, positives: k, rank: r)
        let after = survival(candidates: n, positives: k, rank: r + 1)
        guard atRank.isFinite, after.isFinite else { return .nan }
        return min(1, max(0, (1 - atRank) + 0.5 * max(0, atRank - after)))
    }
}
