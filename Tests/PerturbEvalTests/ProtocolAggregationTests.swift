import PerturbBase
import XCTest

@testable import PerturbEval

final class ProtocolAggregationTests: XCTestCase {
    func testMeanAndSampleSDWithDdofOne() {
        let a = SeedAggregate([1, 2, 3, 4])
        XCTAssertEqual(a.mean, 2.5)
        XCTAssertEqual(a.sd, (5.0 / 3.0).squareRoot(), accuracy: 1e-12)  // Σ(x−m)² = 5, n − 1 = 3
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(a.formatted(), "2.5000 ± 1.2910")
        // Reference table cell: 0.5761 ± 0.0007 style, four decimals.
        let b = SeedAggregate([0.5754, 0.5768])
        XCTAssertEqual(b.sd, 0.0014 / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(b.formatted(), "0.5761 ± 0.0010")
    }

    func testNonFiniteValuesAreLeftOutAndSmallCountsAreMarked() {
        let a = SeedAggregate([2, .nan, 4])
        XCTAssertEqual(a.count, 2)
        XCTAssertEqual(a.mean, 3)
        XCTAssertEqual(a.sd, 2.0.squareRoot(), accuracy: 1e-12)
        let one = SeedAggregate([0.25])
        XCTAssertTrue(one.sd.isNaN)
        XCTAssertEqual(one.formatted(), "0.2500")
        XCTAssertEqual(SeedAggregate([.nan]).formatted(), "NA")
    }

    func testPerGeneClippingToTheTrainingRange() {
        // Two genes: gene 0 in [-1, 2], gene 1 in [0, 0.5] (NaN ignored).
        let clipper = GeneRangeClipper(fitting: [-1, 0.5, 2, 0, .nan, 0.25], rows: 3, genes: 2)
        XCTAssertEqual(clipper.minimum, [-1, 0])
        XCTAssertEqual(clipper.maximum, [2, 0.5])
        var prediction: [Float] = [-3, 0.7, 1, -0.1, 5, 0.3]
        clipper.clip(&prediction)
        XCTAssertEqual(prediction, [-1, 0.5, 1, 0, 2, 0.3])
    }
}
