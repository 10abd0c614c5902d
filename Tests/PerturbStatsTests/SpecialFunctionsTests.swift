import XCTest

@testable import PerturbStats

/// The building blocks against SciPy and R values, and bad designs.
final class SpecialFunctionsTests: XCTestCase {
    func testPolygammaAgainstSciPy() {
        // scipy.special.digamma(x), polygamma(1, x)
        let cases: [(Double, Double, Double)] = [
            (0.1, -10.423754940411076, 101.43329915079275), (0.5, -1.9635100260214235, 4.93480220054468),
            (1, -0.5772156649015329, 1.6449340668482266), (3.7, 1.1671535393615113, 0.31003785767003833),
            (10, 2.251752589066721, 0.10516633568168576), (250, 5.519459584531046, 0.004008010666632532),
        ]
        for (x, psi, tri) in cases {
            XCTAssertEqual(SpecialFunctions.digamma(x), psi, accuracy: 1e-13 * max(1, abs(psi)), "digamma(\(x))")
            XCTAssertEqual(SpecialFunctions.trigamma(x), tri, accuracy: 1e-13 * max(1, tri), "trigamma(\(x))")
            XCTAssertEqual(
                SpecialFunctions.trigammaInverse(tri), x, accuracy: 1e-7 * x, "trigammaInverse(trigamma(\(x)))")
        }
    }

    func testStudentTQuantilesAndTails() {
        // scipy.stats.t.isf(1e-8, 7.3), t.isf(0.2, 27.5)
        XCTAssertEqual(StudentT.upperQuantile(probability: 1e-8, df: 7.3), 25.679425650359136, accuracy: 1e-10)
        XCTAssertEqual(StudentT.upperQuantile(probability: 0.2, df: 27.5), 0.8548878405789859, accuracy: 1e-12)
        XCTAssertEqual(StudentT.upperQuantile(probability: 0.8, df: 27.5), -0.8548878405789859, accuracy: 1e-12)
        XCTAssertEqual(StudentT.twoSidedPValue(t: 2.0, df: 10), 0.07338803477074037, accuracy: 1e-14)
        XCTAssertEqual(StudentT.twoSidedPValue(t: -3.5, df: 4.3), 0.022127097432049728, accuracy: 1e-14)
        XCTAssertEqual(StudentT.twoSidedPValue(t: 0, df: 5), 1, accuracy: 1e-15)
    }

    func testBenjaminiHochbergAgainstR() {
        // p.adjust(c(0.01, 0.04, 0.03, 0.2, NA, 0.04, 0.9), "BH")
        let adjusted = BenjaminiHochberg.adjust([0.01, 0.04, 0.03, 0.2, .nan, 0.04, 0.9])
        for (a, b) in zip(adjusted, [0.06, 0.06, 0.06, 0.24, .nan, 0.06, 0.9]) {
            if b.isNaN { XCTAssertTrue(a.isNaN) } else { XCTAssertEqual(a, b, accuracy: 1e-15) }
        }
    }

    func testSingularDesignIsAnErrorAndMissingValuesDropObservations() throws {
        let singular = DesignMatrix(rows: 3, columns: 2, values: [1, 2, 1, 2, 1, 2], columnNames: ["a", "b"])
        XCTAssertThrowsError(try LinearModel.fit(expression: [1, 2, 3], genes: 1, design: singular)) {
            XCTAssertTrue("\($0)".contains("singular"), "\($0)")
        }
        // Two groups; gene 2 misses one value of group b, gene 3 all of group b.
        let design = DesignMatrix.groups(["a", "a", "b", "b", "b"], levels: ["a", "b"])
        let nan = Double.nan
        let fit = try LinearModel.fit(
            expression: [1, 3, 5, 6, 7, 1, 3, 5, nan, 7, 1, 3, nan, nan, nan], genes: 3, design: design)
        func close(_ a: ArraySlice<Double>, _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 } }
        XCTAssertTrue(close(fit.coefficients[0..<2], [2, 6]), "\(fit.coefficients)")
        XCTAssertEqual(fit.dfResidual[0], 3)
        XCTAssertTrue(close(fit.coefficients[2..<4], [2, 6]), "\(fit.coefficients)")
        XCTAssertEqual(fit.dfResidual[1], 2)
        XCTAssertEqual(fit.coefficients[4], 2, accuracy: 1e-12)
        XCTAssertTrue(fit.coefficients[5].isNaN, "no observation informs group b of gene 3")
        XCTAssertEqual(fit.dfResidual[2], 1)
        let contrast = Contrasts.fit(fit, contrasts: [("b - a", ["b": 1, "a": -1])])
        XCTAssertTrue(close(contrast.coefficients[0..<2], [4, 4]), "\(contrast.coefficients)")
        XCTAssertTrue(contrast.coefficients[2].isNaN)
    }
}
