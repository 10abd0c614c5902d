import XCTest

@testable import PerturbEval

final class AgreementAnalysisTests: XCTestCase {
    private let noRetrieval = AgreementOptions(similarities: [])

    private func estimate(
        _ summary: [AgreementEstimate], _ metric: AgreementMetric, _ quantity: String = "observed",
        comparison: String = "cross_dataset"
    ) -> AgreementEstimate {
        summary.first { $0.metric == metric.rawValue && $0.quantity == quantity && $0.comparison == comparison }!
    }

    private func summary(_ sets: [ProfileSet]) throws -> [AgreementEstimate] {
        try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: noRetrieval, showProgress: false)
            .summarize(bootstrap: BootstrapOptions(draws: 200))
    }

    func testIdenticalEffectsAgreePerfectlyAndBeatBaselines() throws {
        let s = try summary(try AgreementTestData.pair(transform: { $0 }))
        let rho = estimate(s, .spearmanAll)
        XCTAssertEqual(rho.rows, 24)  // 12 compounds × 2 contexts: 24 drug-line-time units
        XCTAssertEqual(rho.interval.clusters, 12)
        XCTAssertEqual(rho.interval.estimate, 1, accuracy: 1e-12)
        XCTAssertEqual(estimate(s, .degSpearmanSym).interval.estimate, 1, accuracy: 1e-12)
        XCTAssertEqual(estimate(s, .directionAgreement).interval.estimate, 1)
        XCTAssertEqual(estimate(s, .overlapRefNSym).interval.estimate, 1, accuracy: 1e-12)
        // Independent random effects: centroid and peer baselines near 0; every peer scores below the observed 1.
        XCTAssertLessThan(abs(estimate(s, .spearmanAll, "source_centroid").interval.estimate), 0.3)
        XCTAssertLessThan(abs(estimate(s, .spearmanAll, "target_peer").interval.estimate), 0.2)
        XCTAssertGreaterThan(estimate(s, .spearmanAll, "delta_vs_source_centroid").interval.low, 0.6)
        XCTAssertEqual(estimate(s, .spearmanAll, "target_peer_fraction_below_observed").interval.estimate, 1)
        XCTAssertEqual(
            estimate(s, .directionAgreement, "target_peer_corrected_percentile").interval.estimate, 1, accuracy: 1e-12)
        XCTAssertEqual(
            estimate(s, .spearmanAll, "source_peer_empirical_p_upper").interval.estimate, 1.0 / 12.0, accuracy: 1e-12)
    }

    func testFlippedEffectsDisagreeInDirection() throws {
        let s = try summary(try AgreementTestData.pair(transform: { -$0 }))
        XCTAssertEqual(estimate(s, .directionAgreement).interval.estimate, 0)
        XCTAssertEqual(estimate(s, .spearmanAll).interval.estimate, -1, accuracy: 1e-12)
        XCTAssertEqual(estimate(s, .overlapRefNSym).interval.estimate, 1, accuracy: 1e-12)  // magnitudes are unchanged
    }

    func testCentroidAndPeerBaselinesByHand() throws {
        // Three compounds, same context/dose/time, identical in both datasets. X's peers are Y and Z: centroid
        // (2.5, 2, 2, 1.5), ranks (4, 2.5, 2.5, 1) against X's (1, 2, 3, 4) → Spearman −4.5/√22.5 on each side.
        let conditions = ["X", "Y", "Z"].map {
            ProfileCondition(context: "c", compound: $0, doseMicromolar: 1, timeHours: 24)
        }
        let values: [Float] = [1, 2, 3, 4, 4, 3, 2, 1, 1, 1, 2, 2]
        let sets = try ["A", "B"].map {
            try ProfileSet(dataset: $0, genes: ["g1", "g2", "g3", "g4"], conditions: conditions, values: values)
        }
        let analysis = try AgreementAnalysis.run(
            sets: sets, rules: MatchRules(minContextCompounds: 1), options: noRetrieval, showProgress: false)
        XCTAssertEqual(analysis.pairs.count, 3)
        let x = analysis.pairs[0]
        XCTAssertEqual(x.genes, 4)
        XCTAssertEqual(x.baselines[.sourceCentroid]![.spearmanAll]!, -4.5 / 22.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(x.baselines[.targetCentroid]![.spearmanAll]!, -4.5 / 22.5.squareRoot(), accuracy: 1e-12)
        // Fallback DE genes of X (|x| > 1): g2…g4; X (2, 3, 4) vs centroid (2, 2, 1.5) → −1.5/√3; signs all agree.
        XCTAssertEqual(x.baselines[.sourceCentroid]![.degSpearmanSym]!, -1.5 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(x.baselines[.sourceCentroid]![.directionAgreement], 1)
        // Peers one by one: X vs Y → −1, X vs Z (1, 1, 2, 2) → 4/(2√5); observed 1, so both are below it.
        let peer = x.peers[.sourcePeer]![.spearmanAll]!
        XCTAssertEqual(peer.mean, (-1 + 2 / 5.0.squareRoot()) / 2, accuracy: 1e-12)
        XCTAssertEqual(peer.fractionBelow, 1)
        XCTAssertEqual(peer.correctedPercentile, 1, accuracy: 1e-12)
        XCTAssertEqual(peer.empiricalPUpper, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(x.peersTotal, [2, 2])
        XCTAssertEqual(x.delta(.sourceCentroid, .spearmanAll), 1 + 4.5 / 22.5.squareRoot(), accuracy: 1e-12)
        // Z's centroid (X+Y)/2 = (2.5, 2.5, 2.5, 2.5) is constant: undefined, so Z's delta is NaN.
        XCTAssertTrue(analysis.pairs[2].baselines[.sourceCentroid]![.spearmanAll]!.isNaN)
        XCTAssertTrue(analysis.pairs[2].delta(.sourceCentroid, .spearmanAll).isNaN)
        let s = analysis.summarize(bootstrap: BootstrapOptions(draws: 100))
        // Y's centroid (X+Z)/2 = (1, 1.5, 2.5, 3) ranks (1, 2, 3, 4) against Y (4, 3, 2, 1) → −1.
        XCTAssertEqual(
            estimate(s, .spearmanAll, "source_centroid").interval.estimate, (-4.5 / 22.5.squareRoot() - 1) / 2,
            accuracy: 1e-12)
        XCTAssertEqual(estimate(s, .spearmanAll, "source_centroid").finiteRows, 2)
        XCTAssertEqual(estimate(s, .spearmanAll, "source_centroid").rows, 3)
    }

    func testPeerCapIsSeededAndDeterministic() throws {
        let sets = try AgreementTestData.pair(transform: { $0 + 0.5 })
        var options = noRetrieval
        options.maxPeers = 3
        let a = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: options, showProgress: false)
        let b = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: options, showProgress: false)
        XCTAssertEqual(a.pairs[0].peersTotal, [11, 11])
        XCTAssertEqual(a.pairs[0].peersScored, [3, 3])
        XCTAssertEqual(
            a.pairs.map { $0.peers[.targetPeer]![.spearmanAll]!.mean },
            b.pairs.map { $0.peers[.targetPeer]![.spearmanAll]!.mean })
        options.peerSeed = 1
        let c = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: options, showProgress: false)
        XCTAssertNotEqual(
            a.pairs.map { $0.peers[.targetPeer]![.spearmanAll]!.mean },
            c.pairs.map { $0.peers[.targetPeer]![.spearmanAll]!.mean })
        // The centroid always uses every peer, whatever the cap.
        XCTAssertEqual(
            a.pairs.map { $0.baselines[.sourceCentroid]![.spearmanAll]! },
            c.pairs.map { $0.baselines[.sourceCentroid]![.spearmanAll]! })
    }

    func testReplicateAgreement() throws {
        // Two replicates per condition: replicate 2 = replicate 1 + small noise; compounds are unrelated.
        let (conditions, values) = AgreementTestData.effects(compounds: 6, contexts: 1, genes: 40, seed: 5)
        var reps: [ProfileCondition] = []
        var repValues: [Float] = []
        for (i, c) in conditions.enumerated() {
            for (r, noise) in [("r1", Float(0)), ("r2", Float(0.1))] {
                var rc = c
                rc.replicate = r
                reps.append(rc)
                repValues += values[i * 40..<(i + 1) * 40].enumerated().map {
                    $0.element + noise * Float($0.offset % 3 - 1)
                }
            }
        }
        let set = try ProfileSet(
            dataset: "D", genes: AgreementTestData.geneNames(40), conditions: reps, values: repValues)
        let analysis = try AgreementAnalysis.run(
            sets: [set], rules: MatchRules(), options: noRetrieval, showProgress: false)
        XCTAssertEqual(analysis.pairs.count, 6)
        XCTAssertTrue(analysis.pairs.allSatisfy { $0.kind == .replicate && $0.peersTotal == [10, 10] })
        let s = analysis.summarize(bootstrap: BootstrapOptions(draws: 200))
        let rho = estimate(s, .spearmanAll, comparison: "replicate")
        XCTAssertEqual(rho.datasetA, "D")
        XCTAssertGreaterThan(rho.interval.estimate, 0.95)
        XCTAssertGreaterThan(
            estimate(s, .spearmanAll, "delta_vs_source_centroid", comparison: "replicate").interval.estimate, 0.6)
    }

    func testDatasetsComeInCanonicalOrder() throws {
        let pair = try AgreementTestData.pair(transform: { $0 })
        var op3 = pair[0]
        var tahoe = pair[1]
        op3.dataset = "op3"
        tahoe.dataset = "tahoe"
        let analysis = try AgreementAnalysis.run(
            sets: [op3, tahoe], rules: MatchRules(), options: noRetrieval, showProgress: false)
        XCTAssertEqual(analysis.sets.map(\.dataset), ["tahoe", "op3"])
        XCTAssertEqual(analysis.summarize(bootstrap: BootstrapOptions(draws: 20)).first?.datasetA, "tahoe")
    }

    func testDuplicateDatasetNamesAreRejected() throws {
        let sets = try AgreementTestData.pair(transform: { $0 })
        XCTAssertThrowsError(
            try AgreementAnalysis.run(
                sets: [sets[0], sets[0]], rules: MatchRules(), options: noRetrieval, showProgress: false))
    }
}
