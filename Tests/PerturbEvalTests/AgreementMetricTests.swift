import XCTest
@testable import PerturbEval

final class AgreementMetricTests: XCTestCase {
    func testHandComputedPair() {
        let a: [Double] = [2, -2, 0.5, 3], b: [Double] = [1.5, 2, -2, 0.1]
        let s = PairAgreement.score(a, b, options: AgreementOptions(topK: 2, deThreshold: 1))
        // DE in a: {0, 1, 3}; in b: {0, 1, 2}. Both: {0, 1} → signs (+,+) (−,+) → 1/2. Either: {0,1,2,3} → 2/4.
        XCTAssertEqual(s[.directionDEBoth], 0.5)
        XCTAssertEqual(s[.directionDEEither], 0.5)
        // Top-2 by |logFC|: a → {3, 0} (0 before 1 on the tie), b → {1, 2}: disjoint.
        XCTAssertEqual(s[.topKJaccard], 0)
        XCTAssertEqual(s[.topKOverlap], 0)
        XCTAssertEqual(s[.directionTopK], 0.5)
        // DE-restricted Spearman: over a's DE genes −1, over b's DE genes −0.5 → −0.75.
        XCTAssertEqual(s[.spearmanDE]!, -0.75, accuracy: 1e-12)
        XCTAssertEqual(s[.normRatio]!, (10.26 / 17.25).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s[.scaledRMSE]!, ((0.25 + 16 + 6.25 + 8.41) / 4).squareRoot(), accuracy: 1e-12)
        // Spearman of all genes: ranks a (3, 1, 2, 4), b (3, 4, 1, 2); centered dot −2 over 5 → −0.4.
        XCTAssertEqual(s[.spearman]!, -0.4, accuracy: 1e-12)
    }

    func testScaledIdenticalAndFlipped() {
        let a: [Double] = [3, -2, 1, 0.5, -4]
        let half = PairAgreement.score(a, a.map { $0 / 2 }, scaleA: (0, 2), scaleB: (0, 1), options: AgreementOptions(topK: 2))
        XCTAssertEqual(half[.spearman]!, 1, accuracy: 1e-12)
        XCTAssertEqual(half[.pearson]!, 1, accuracy: 1e-12)
        XCTAssertEqual(half[.normRatio]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(half[.scaledRMSE]!, 0, accuracy: 1e-12)     // a/2 − (a/2)/1
        XCTAssertEqual(half[.topKJaccard], 1)
        let flipped = PairAgreement.score(a, a.map { -$0 }, options: AgreementOptions(topK: 2))
        XCTAssertEqual(flipped[.spearman]!, -1, accuracy: 1e-12)
        XCTAssertEqual(flipped[.directionDEBoth], 0)
        XCTAssertEqual(flipped[.directionTopK], 0)
        XCTAssertEqual(flipped[.topKJaccard], 1)                    // magnitudes are unchanged
    }

    func testUndefinedValuesAreNaN() {
        let s = PairAgreement.score([0.1, 0.2], [0.3, 0.1], options: AgreementOptions(topK: 5, deThreshold: 1))
        XCTAssertTrue(s[.topKJaccard]!.isNaN)                       // fewer genes than k
        XCTAssertTrue(s[.directionDEBoth]!.isNaN)                   // no DE gene
        XCTAssertTrue(s[.spearmanDE]!.isNaN)
        XCTAssertEqual(s[.spearman]!, -1, accuracy: 1e-12)
    }
}
