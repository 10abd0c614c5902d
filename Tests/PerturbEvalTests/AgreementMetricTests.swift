import PerturbBase
import XCTest

@testable import PerturbEval

/// Hand-computed examples of the per-pair metrics (seed spec §5.3 `observed_deg_metrics`,
/// `sample_baseline_deg_metrics`).
final class AgreementMetricTests: XCTestCase {
    func testObservedPairByHand() {
        let left = AlignedProfile(values: [2, -2, 0.5, 3, .nan], de: [true, true, false, true, false])
        let right = AlignedProfile(values: [1.5, 2, -2, 0.1, 1], de: [true, true, true, false, true])
        let s = PairMetrics.observed(left, right)
        // Left DE genes finite in both {0, 1, 3}: ranks (2, 1, 3) vs (2, 3, 1) → −1.
        XCTAssertEqual(s[.degSpearmanLeft]!, -1, accuracy: 1e-12)
        // Right DE genes finite in both {0, 1, 2} (gene 4 has no left value): (3, 1, 2) vs (2, 3, 1) → −0.5.
        XCTAssertEqual(s[.degSpearmanRight]!, -0.5, accuracy: 1e-12)
        XCTAssertEqual(s[.degSpearmanSym]!, -0.75, accuracy: 1e-12)
        // DE in both: {0, 1}, signs (+, +) and (−, +).
        XCTAssertEqual(s[.directionAgreement], 0.5)
        // Ranked DE genes: left [3, 0, 1] (0 before 1 on the |2| tie), right [1, 2, 0, 4]; top-3 share {0, 1}.
        XCTAssertEqual(left.rankedDE, [3, 0, 1])
        XCTAssertEqual(right.rankedDE, [1, 2, 0, 4])
        XCTAssertEqual(s[.overlapRefNLeft]!, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertTrue(s[.overlapRefNRight]!.isNaN, "the left list is shorter than the right side's 4 DE genes")
        XCTAssertTrue(s[.overlapRefNSym]!.isNaN)
        XCTAssertTrue(s[.overlapK50]!.isNaN)
        // All genes finite in both {0…3}: ranks (3, 1, 2, 4) vs (3, 4, 1, 2) → −2/5.
        XCTAssertEqual(s[.spearmanAll]!, -0.4, accuracy: 1e-12)
    }

    func testTopKOverlapOverDEGenes() {
        // 60 DE genes on each side with the same magnitudes order except 10 swapped out: top-50 share 40.
        let n = 80
        let l = (0..<n).map { Double(n - $0) }
        var r = l
        for i in 40..<50 { r[i] = 0.01 }  // genes 40…49 drop out of the right top 50
        let de = (0..<n).map { $0 < 60 }
        let s = PairMetrics.observed(
            AlignedProfile(values: l, de: de), AlignedProfile(values: r, de: (0..<n).map { $0 < 70 }))
        // Right ranked DE: 0…39, 50…69, 40…49 → top 50 = 0…39 and 50…59; left top 50 = 0…49: 40 shared.
        XCTAssertEqual(s[.overlapK50]!, 0.8, accuracy: 1e-12)
        XCTAssertTrue(s[.overlapK100]!.isNaN, "60 DE genes < 100")
        XCTAssertEqual(s[.overlapRefNLeft]!, 50.0 / 60.0, accuracy: 1e-12)  // top 60: right has 0…39, 50…69
    }

    func testSampleReferencedBaselineByHand() {
        let sample = AlignedProfile(values: [2, -2, 0.5, 3], de: [true, true, false, true])
        let centroid = AlignedProfile(values: [1, 0.5, -1, .nan], de: [false, false, false, false])
        let s = PairMetrics.sampleReferenced(sample, centroid)
        XCTAssertEqual(s[.degSpearmanSym]!, 1, accuracy: 1e-12)  // DE genes with a centroid value {0, 1}
        XCTAssertEqual(s[.directionAgreement], 0.5)  // (+, +), (−, +)
        // Sample's ranked DE [3, 0, 1] vs centroid ranked by |value| over finite genes [0, 2, 1], k = 3 DE genes.
        XCTAssertEqual(s[.overlapRefNSym]!, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(s[.spearmanAll]!, 0.5, accuracy: 1e-12)  // (3, 1, 2) vs (3, 2, 1)
        // Pair values: left/right metrics take their side, the rest the mean of the available sides.
        let pair = PairMetrics.pairValues(left: s, right: nil)
        XCTAssertEqual(pair[.degSpearmanLeft]!, 1, accuracy: 1e-12)
        XCTAssertTrue(pair[.degSpearmanRight]!.isNaN)
        XCTAssertEqual(pair[.degSpearmanSym]!, 1, accuracy: 1e-12)
        XCTAssertEqual(pair[.directionAgreement], 0.5)
    }

    func testPreparedRankSpearmanEqualsScalarPath() {
        var rng = SeededRNG(seed: 4)
        for _ in 0..<20 {
            let a = (0..<30).map { _ in (rng.nextDouble() * 4).rounded() / 2 }  // ties
            let b = (0..<30).map { _ in rng.nextDouble() }
            let fast = PairMetrics.spearmanAll(
                AlignedProfile(values: a, de: Array(repeating: false, count: 30)),
                AlignedProfile(values: b, de: Array(repeating: false, count: 30)))
            XCTAssertEqual(fast, PairMetrics.spearman(a, b), accuracy: 1e-12)
        }
        let constant = AlignedProfile(values: [1, 1, 1], de: [false, false, false])
        XCTAssertTrue(
            PairMetrics.spearmanAll(constant, AlignedProfile(values: [1, 2, 3], de: [false, false, false])).isNaN)
    }

    func testUndefinedValuesAreNaN() {
        let s = PairMetrics.observed(
            AlignedProfile(values: [0.1, 0.2], de: [false, false]),
            AlignedProfile(values: [0.3, 0.1], de: [false, true]))
        XCTAssertTrue(s[.directionAgreement]!.isNaN)  // no gene DE in both
        XCTAssertTrue(s[.degSpearmanLeft]!.isNaN)  // no left DE gene
        XCTAssertTrue(s[.degSpearmanRight]!.isNaN)  // one right DE gene
        XCTAssertEqual(s[.spearmanAll]!, -1, accuracy: 1e-12)
    }

    func testPeerSummaryMatchesReferenceSelfTest() {
        // `peer_baselines._self_test`: observed 0.60 against peers 0.10, 0.20, 0.55, 0.70.
        let s = PeerSummary(observed: 0.6, scores: [0.1, 0.2, 0.55, 0.7, .nan])
        XCTAssertEqual(s.peers, 4)
        XCTAssertEqual(s.fractionBelow, 0.75)
        XCTAssertEqual(s.correctedPercentile, 0.8, accuracy: 1e-12)
        XCTAssertEqual(s.empiricalPUpper, 0.4, accuracy: 1e-12)
        XCTAssertEqual(s.mean, 0.3875, accuracy: 1e-12)
        XCTAssertEqual(s.sd, VectorStatistics.finiteSampleSD([0.1, 0.2, 0.55, 0.7])!, accuracy: 1e-12)
        XCTAssertTrue(PeerSummary(observed: .nan, scores: [0.1]).mean.isNaN)
        XCTAssertTrue(PeerSummary(observed: 0.5, scores: [0.1]).sd.isNaN)
        let pair = PeerSummary.pair([s, PeerSummary(observed: 0.5, scores: [])])
        XCTAssertEqual(pair.fractionBelow, 0.75, "the side without peers is left out")
    }

    func testPeerSamplingIsDeterministicAndCapped() {
        XCTAssertEqual(PeerSampling.select(count: 5, cap: 512, key: "k", seed: 1), [0, 1, 2, 3, 4])
        let a = PeerSampling.select(count: 1000, cap: 25, key: "d|c|1|24|X", seed: 20_260_505)
        XCTAssertEqual(a.count, 25)
        XCTAssertEqual(a, a.sorted())
        XCTAssertEqual(Set(a).count, 25)
        XCTAssertEqual(a, PeerSampling.select(count: 1000, cap: 25, key: "d|c|1|24|X", seed: 20_260_505))
        XCTAssertNotEqual(a, PeerSampling.select(count: 1000, cap: 25, key: "other", seed: 20_260_505))
        XCTAssertNotEqual(a, PeerSampling.select(count: 1000, cap: 25, key: "d|c|1|24|X", seed: 20_260_506))
    }
}
