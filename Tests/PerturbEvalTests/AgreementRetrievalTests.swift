import PerturbBase
import XCTest

@testable import PerturbEval

/// Retrieval (Table 9; seed spec §5.3 "Retrieval"): rank statistics by hand, the exact null, the injected-centroid and
/// single-peer ranks, against scipy, and end to end.
final class AgreementRetrievalTests: XCTestCase {
    func testRankStatisticsByHand() {
        // The positive 0.5 has two better candidates: rank 3 of 4.
        let s = RetrievalRanking.summarize([0.9, 0.5, 0.7, 0.1], positive: [false, true, false, false])
        XCTAssertEqual(s.bestRank, 3)
        XCTAssertEqual(s.normalizedRank, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(s.recallAt1, 0)
        XCTAssertEqual(s.auroc, 1.0 / 3.0, accuracy: 1e-12)
        // Ties take the minimum rank; a tied negative counts one half in the AUROC.
        let tie = RetrievalRanking.summarize([0.5, 0.5], positive: [true, false])
        XCTAssertEqual(tie.bestRank, 1)
        XCTAssertEqual(tie.recallAt1, 1)
        XCTAssertEqual(tie.auroc, 0.5)
        XCTAssertTrue(RetrievalRanking.summarize([0.5, .nan], positive: [true, false]).bestRank.isNaN)
        XCTAssertTrue(RetrievalRanking.summarize([0.5, 0.2], positive: [true, true]).auroc.isNaN)
    }

    func testExactNullAndMidP() {
        let null = RetrievalRanking.exactNull(candidates: 4, positives: 1)
        XCTAssertEqual(null.bestRank, 2.5)
        XCTAssertEqual(null.normalizedRank, 0.5, accuracy: 1e-12)
        XCTAssertEqual(null.recallAt1, 0.25)
        XCTAssertTrue(RetrievalRanking.exactNull(candidates: 4, positives: 4).normalizedRank.isNaN)
        // P(best ≥ 3) = C(2,1)/C(4,1) = 0.5, P(best ≥ 4) = 0.25 → PIT = 0.5 + 0.5·0.25.
        XCTAssertEqual(RetrievalRanking.survival(candidates: 4, positives: 1, rank: 3), 0.5, accuracy: 1e-12)
        XCTAssertEqual(RetrievalRanking.nullPIT(candidates: 4, positives: 1, bestRank: 3), 0.625, accuracy: 1e-12)
        // Two positives among 5: P(best ≥ 2) = C(4,2)/C(5,2) = 0.6; rank 1 → PIT = 0.5·(1 − 0.6).
        XCTAssertEqual(RetrievalRanking.nullPIT(candidates: 5, positives: 2, bestRank: 1), 0.2, accuracy: 1e-12)
    }

    func testInjectedCentroidAndSinglePeerRanks() {
        // A centroid of similarity 0.7 among (0.9, 0.5) ranks 2 of 3.
        let centroid = RetrievalRanking.injected([0.9, 0.5], candidate: 0.7)
        XCTAssertEqual(centroid.bestRank, 2)
        XCTAssertEqual(centroid.normalizedRank, 0.5)
        XCTAssertTrue(RetrievalRanking.injected([0.9, 0.5], candidate: .nan).normalizedRank.isNaN)
        // Peers 0.8 (one target better: rank 2) and 0.1 (three better: rank 4) among targets (0.9, 0.5, 0.7).
        let peers = RetrievalRanking.expectedSingleSignature(targets: [0.9, 0.5, 0.7], peers: [0.8, 0.1])
        XCTAssertEqual(peers.bestRank, 3)
        XCTAssertEqual(peers.normalizedRank, (2.0 / 3.0) / 2, accuracy: 1e-12)
        XCTAssertEqual(peers.recallAt1, 0)
        XCTAssertEqual(peers.auroc, (2.0 / 3.0) / 2, accuracy: 1e-12)
    }

    func testRankStatisticsMatchScipy() throws {
        var rng = SeededRNG(seed: 21)
        let scores = (0..<40).map { _ in (rng.nextDouble() * 20).rounded() / 20 }  // ties
        let positive = (0..<40).map { $0 % 9 == 2 }
        let ours = RetrievalRanking.summarize(scores, positive: positive)
        let script = """
            import numpy as np; from scipy.stats import rankdata, mannwhitneyu
            s = np.array(\(Self.python(scores))); p = np.array(\(Self.python(positive)))
            best = rankdata(-s, method='min')[p].min()
            u = mannwhitneyu(s[p], s[~p]).statistic / (p.sum() * (~p).sum())
            print(best, 1 - (best - 1) / (len(s) - 1), u)
            """
        let expected = try MetricsPythonOracle.numbers(script)
        XCTAssertEqual(ours.bestRank, expected[0])
        XCTAssertEqual(ours.normalizedRank, expected[1], accuracy: 1e-12)
        XCTAssertEqual(ours.auroc, expected[2], accuracy: 1e-12)
    }

    func testSpearmanAndOverlapMatchScipy() throws {
        var rng = SeededRNG(seed: 8)
        let n = 300
        let l = (0..<n).map { i -> Double in i % 23 == 0 ? .nan : (rng.nextGaussian() * 4).rounded() / 4 }
        let r = l.map { $0.isFinite ? $0 + rng.nextGaussian() : 0 }
        let deL = (0..<n).map { _ in rng.nextDouble() < 0.6 }
        let deR = (0..<n).map { _ in rng.nextDouble() < 0.5 }
        let left = AlignedProfile(values: l, de: zip(l, deL).map { $0.isFinite && $1 })
        let right = AlignedProfile(values: r, de: deR)
        let ours = PairMetrics.observed(left, right)
        let script = """
            import numpy as np; from scipy.stats import spearmanr
            l = np.array(\(Self.python(l))); r = np.array(\(Self.python(r)))
            ml = np.array(\(Self.python(left.de))); mr = np.array(\(Self.python(deR)))
            f = np.isfinite(l) & np.isfinite(r)
            def ranked(v, m):
                idx = np.flatnonzero(m)
                return idx[np.argsort(-np.abs(v[idx]), kind='stable')]
            def overlap(a, b, k):
                return len(set(a[:k]) & set(b[:k])) / k if k > 0 and len(a) >= k and len(b) >= k else float('nan')
            a, b = ranked(l, ml), ranked(r, mr)
            print(spearmanr(l[ml & f], r[ml & f]).statistic, spearmanr(l[mr & f], r[mr & f]).statistic,
                  spearmanr(l[f], r[f]).statistic, np.mean(np.sign(l[ml & mr & f]) == np.sign(r[ml & mr & f])),
                  overlap(a, b, 50), overlap(a, b, 100), overlap(a, b, len(b)))
            """
        let e = try MetricsPythonOracle.numbers(script)
        XCTAssertEqual(ours[.degSpearmanLeft]!, e[0], accuracy: 1e-12)
        XCTAssertEqual(ours[.degSpearmanRight]!, e[1], accuracy: 1e-12)
        XCTAssertEqual(ours[.spearmanAll]!, e[2], accuracy: 1e-12)
        XCTAssertEqual(ours[.directionAgreement]!, e[3], accuracy: 1e-12)
        XCTAssertEqual(ours[.overlapK50]!, e[4], accuracy: 1e-12)
        XCTAssertEqual(ours[.overlapK100]!, e[5], accuracy: 1e-12)
        XCTAssertEqual(ours[.overlapRefNRight]!, e[6], accuracy: 1e-12)
    }

    func testMatchedConditionsAreRetrievedBothWays() throws {
        let sets = try AgreementTestData.pair(transform: { 0.5 * $0 })
        let analysis = try AgreementAnalysis.run(
            sets: sets, rules: MatchRules(), options: AgreementOptions(similarities: [.cosine]),
            showProgress: false)
        // 12 compounds × 2 contexts × 2 directions; each query's only positive is its matched profile.
        XCTAssertEqual(analysis.retrieval.count, 48)
        XCTAssertTrue(
            analysis.retrieval.allSatisfy { $0.positives == 1 && $0.candidates == 12 && $0.observed.recallAt1 == 1 })
        let q = analysis.retrieval[0]
        XCTAssertEqual(q.null.normalizedRank, 1 - (13.0 / 2 - 1) / 11, accuracy: 1e-12)
        XCTAssertLessThan(
            q.baselines[.sourceCentroid]!.normalizedRank, 1, "a centroid of other compounds does not beat the match")
        XCTAssertEqual(q.individual[.targetPeer]!.peers, 11)
        let summary = analysis.summarize(bootstrap: BootstrapOptions(draws: 100))
        let rank = summary.first { $0.comparison == "retrieval" && $0.quantity == "observed_normalized_rank" }!
        XCTAssertEqual(rank.metric, "cosine")
        XCTAssertEqual(rank.interval.estimate, 1)
        XCTAssertEqual(rank.rows, 48)
        XCTAssertEqual(rank.interval.clusters, 12)
    }

    /// A Python list literal of numbers (NaN as `float('nan')`).
    static func python(_ values: [Double]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "float('nan')" }.joined(separator: ",") + "]"
    }

    /// A Python list literal of booleans.
    static func python(_ flags: [Bool]) -> String {
        "[" + flags.map { $0 ? "True" : "False" }.joined(separator: ",") + "]"
    }
}
