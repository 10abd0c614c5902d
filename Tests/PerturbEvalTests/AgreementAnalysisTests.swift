import XCTest
@testable import PerturbEval

final class AgreementAnalysisTests: XCTestCase {
    private func summary(_ sets: [ProfileSet], _ metric: AgreementMetric, kind: PairKind = .crossDataset) throws -> AgreementSummaryRow {
        let analysis = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: AgreementOptions(topK: 10), seed: 1, showProgress: false)
        return analysis.summarize(bootstrap: BootstrapOptions(draws: 300)).first { $0.metric == metric && $0.kind == kind }!
    }

    func testIdenticalEffectsAgreePerfectlyAndBeatBaseline() throws {
        let sets = try AgreementTestData.pair(transform: { $0 })
        let rho = try summary(sets, .spearman)
        XCTAssertEqual(rho.pairs, 16)                       // 8 compounds × 2 contexts
        XCTAssertEqual(rho.compounds, 8)
        XCTAssertEqual(rho.observed.estimate, 1, accuracy: 1e-12)
        XCTAssertEqual(rho.observed.low, 1, accuracy: 1e-9)
        XCTAssertLessThan(abs(rho.baselineContext), 0.3)    // independent random effects
        XCTAssertGreaterThan(rho.margin.low, 0.7)
        XCTAssertEqual(try summary(sets, .scaledRMSE).observed.estimate, 0, accuracy: 1e-6)
        XCTAssertEqual(try summary(sets, .directionDEBoth).observed.estimate, 1)
    }

    func testFlippedEffectsDisagreeInDirection() throws {
        let sets = try AgreementTestData.pair(transform: { -$0 })
        XCTAssertEqual(try summary(sets, .directionDEEither).observed.estimate, 0)
        XCTAssertEqual(try summary(sets, .spearman).observed.estimate, -1, accuracy: 1e-12)
        XCTAssertEqual(try summary(sets, .topKJaccard).observed.estimate, 1)
        XCTAssertEqual(try summary(sets, .normRatio).observed.estimate, 1, accuracy: 1e-6)
    }

    func testScaledAndNoisyCopy() throws {
        // B = 3·A: ranks, direction and top-k agree exactly; norm ratio 1/3; z-scaling removes the factor.
        let scaled = try AgreementTestData.pair(transform: { 3 * $0 })
        XCTAssertEqual(try summary(scaled, .normRatio).observed.estimate, 1.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(try summary(scaled, .scaledRMSE).observed.estimate, 0, accuracy: 1e-5)
        XCTAssertEqual(try summary(scaled, .pearson).observed.estimate, 1, accuracy: 1e-9)
    }

    func testReplicateAgreementAndBaselines() throws {
        // Two replicates per condition: replicate 2 = replicate 1 + small noise; compounds are unrelated.
        let (conditions, values) = AgreementTestData.effects(compounds: 6, contexts: 1, genes: 40, seed: 5)
        var reps: [ProfileCondition] = [], repValues: [Float] = []
        for (i, c) in conditions.enumerated() {
            for (r, noise) in [("r1", Float(0)), ("r2", Float(0.1))] {
                var rc = c
                rc.replicate = r
                reps.append(rc)
                repValues += values[i * 40..<(i + 1) * 40].enumerated().map { $0.element + noise * Float($0.offset % 3 - 1) }
            }
        }
        let set = try ProfileSet(dataset: "D", genes: AgreementTestData.geneNames(40), conditions: reps, values: repValues)
        let analysis = try AgreementAnalysis.run(sets: [set], rules: MatchRules(), options: AgreementOptions(topK: 5), seed: 3, showProgress: false)
        XCTAssertEqual(analysis.pairs.filter { $0.role == .observed }.count, 6)
        XCTAssertEqual(analysis.pairs.filter { $0.role == .baselineRandom }.count, 6)     // same number of random pairs
        XCTAssertEqual(analysis.pairs.filter { $0.role == .baselineContext }.count, 6)
        XCTAssertEqual(analysis.pairs.filter { $0.role == .baselineSourceCentroid }.count, 6)
        for p in analysis.pairs where p.role == .baselineContext || p.role == .baselineRandom {
            XCTAssertNotEqual(set.conditions[p.a.row].compound, set.conditions[p.b.row].compound)
        }
        let row = analysis.summarize(bootstrap: BootstrapOptions(draws: 200)).first { $0.metric == .spearman }!
        XCTAssertEqual(row.kind, .replicate)
        XCTAssertEqual(row.datasetA, "D")
        XCTAssertGreaterThan(row.observed.estimate, 0.95)
        XCTAssertGreaterThan(row.margin.estimate, 0.6)
        XCTAssertEqual(row.marginRandom, row.observed.estimate - row.baselineRandom, accuracy: 1e-12)
    }

    func testSourceCentroidBaseline() throws {
        // Three compounds, same context/dose/time, identical in both datasets. X's peers are Y and Z:
        // centroid (2.5, 2, 2, 1.5), ranks (4, 2.5, 2.5, 1) against X's (1, 2, 3, 4) → Spearman −4.5/√22.5 on each side.
        let conditions = ["X", "Y", "Z"].map { ProfileCondition(context: "c", compound: $0, doseMicromolar: 1, timeHours: 24) }
        let values: [Float] = [1, 2, 3, 4, 4, 3, 2, 1, 1, 1, 2, 2]
        let sets = try ["A", "B"].map { try ProfileSet(dataset: $0, genes: ["g1", "g2", "g3", "g4"], conditions: conditions, values: values) }
        let analysis = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: AgreementOptions(topK: 2), seed: 0, showProgress: false)
        let centroid = analysis.pairs.first { $0.role == .baselineSourceCentroid && $0.observed == 0 }!
        XCTAssertEqual(centroid.scores[.spearman]!, -4.5 / 22.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(centroid.genes, 4)
        // Sample-referenced DE genes (|X| > 1: g2…g4): X (2, 3, 4) vs centroid (2, 2, 1.5) → −1.5/√3; signs all agree.
        XCTAssertEqual(centroid.scores[.spearmanDE]!, -1.5 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(centroid.scores[.directionDEEither], 1)
        let row = analysis.summarize(bootstrap: BootstrapOptions(draws: 100)).first { $0.metric == .spearman }!
        XCTAssertEqual(row.observed.estimate, 1, accuracy: 1e-12)
        // Y's centroid (X+Z)/2 = (1, 1.5, 2.5, 3) ranks (1,2,3,4) vs Y (4,3,2,1) → −1; Z's centroid (2.5, 2.5, 2.5, 2.5) → undefined.
        XCTAssertEqual(row.baselineCentroid, (-4.5 / 22.5.squareRoot() - 1) / 2, accuracy: 1e-12)
        XCTAssertEqual(row.marginCentroid.estimate, ((1 + 4.5 / 22.5.squareRoot()) + 2) / 2, accuracy: 1e-12)
    }

    func testDuplicateDatasetNamesAreRejected() throws {
        let sets = try AgreementTestData.pair(transform: { $0 })
        XCTAssertThrowsError(try AgreementAnalysis.run(sets: [sets[0], sets[0]], rules: MatchRules(), options: AgreementOptions(), seed: 0, showProgress: false))
    }

    func testSeedMakesBaselinesReproducible() throws {
        let sets = try AgreementTestData.pair(transform: { $0 + 0.5 })
        let a = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: AgreementOptions(), seed: 9, showProgress: false)
        let b = try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: AgreementOptions(), seed: 9, showProgress: false)
        XCTAssertEqual(a.pairs.map { [$0.a.row, $0.b.row] }, b.pairs.map { [$0.a.row, $0.b.row] })
        XCTAssertEqual(a.pairs.map { $0.scores[.spearman]! }, b.pairs.map { $0.scores[.spearman]! })
    }
}
