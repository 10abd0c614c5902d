import XCTest

@testable import PerturbEval

/// `CompoundFeatureMatrix.standardized(over:)`: per-column z-scores over the given compounds' available vectors,
/// 0/1 fingerprints unchanged.
final class OP3FeatureStandardizationTests: XCTestCase {
    func testContinuousColumnsAreStandardizedOverTheGivenCompoundsOnly() {
        // Rows: compounds 0–3 (3 unavailable); columns: a varying one and a constant one.
        let matrix = CompoundFeatureMatrix(
            name: "x", dim: 2, values: [1, 5, 3, 5, 10, 7, 0, 0],
            available: [true, true, true, false])
        let s = matrix.standardized(over: [0, 1, 1, 3])
        // Column 0 over compounds 0 and 1: mean 2, sd √2; compound 2 (not in the statistics) uses the same ones.
        XCTAssertEqual(s.values[0], Float(-1 / 2.0.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(s.values[2], Float(1 / 2.0.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(s.values[4], Float(8 / 2.0.squareRoot()), accuracy: 1e-5)
        // Column 1 is constant over compounds 0 and 1: centred only.
        XCTAssertEqual([s.values[1], s.values[3], s.values[5]], [0, 0, 2])
        // The unavailable row is left as it was.
        XCTAssertEqual(Array(s.values[6...]), [0, 0])
    }

    func testBinaryVectorsAreUnchanged() {
        let bits = CompoundFeatureMatrix(name: "morgan", dim: 3, values: [1, 0, 1, 0, 0, 1], available: [true, true])
        XCTAssertEqual(bits.standardized(over: [0, 1]).values, bits.values)
    }
}
