import PerturbBase
import XCTest

@testable import PerturbEval

final class ProtocolSVDTests: XCTestCase {
    /// Orthonormal columns (`rows × cols`, column arrays) from Gaussian noise by Gram–Schmidt.
    private func orthonormal(rows: Int, cols: Int, rng: inout SeededRNG) -> [[Double]] {
        var out: [[Double]] = []
        for _ in 0..<cols {
            var v = (0..<rows).map { _ in rng.nextGaussian() }
            for u in out {
                let d = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                for r in 0..<rows { v[r] -= d * u[r] }
            }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            out.append(v.map { $0 / n })
        }
        return out
    }

    /// A = U·diag(σ)·Vᵀ with known factors.
    private func knownMatrix(rows m: Int, cols n: Int, sigma: [Double], seed: UInt64) -> (a: [Float], v: [[Double]]) {
        var rng = SeededRNG(seed: seed)
        let u = orthonormal(rows: m, cols: sigma.count, rng: &rng)
        let v = orthonormal(rows: n, cols: sigma.count, rng: &rng)
        var a = [Float](repeating: 0, count: m * n)
        for r in 0..<m {
            for c in 0..<n {
                var s = 0.0
                for k in sigma.indices { s += u[k][r] * sigma[k] * v[k][c] }
                a[r * n + c] = Float(s)
            }
        }
        return (a, v)
    }

    func testRecoversSingularValuesAndVectorsOfAKnownDecomposition() {
        let sigma = [9.0, 4.0, 2.0, 1.0, 0.5]
        let (a, v) = knownMatrix(rows: 60, cols: 40, sigma: sigma, seed: 7)
        let svd = TruncatedSVD(fitting: a, rows: 60, cols: 40, rank: 3, seed: 1)
        for k in 0..<3 {
            XCTAssertEqual(svd.singularValues[k], sigma[k], accuracy: 1e-4 * sigma[k])
            let component = svd.components[(k * 40)..<((k + 1) * 40)]
            let dot = zip(component, v[k]).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-4, "component \(k) is not ±v\(k)")
            // Sign convention: the largest-magnitude entry is positive.
            XCTAssertGreaterThan(component.max { abs($0) < abs($1) }!, 0)
        }
    }

    func testFullRankReconstructionAndZeroComponentsPastTheRank() {
        let sigma = [5.0, 3.0, 1.5, 0.8, 0.2]
        let (a, _) = knownMatrix(rows: 30, cols: 50, sigma: sigma, seed: 3)
        let svd = TruncatedSVD(fitting: a, rows: 30, cols: 50, rank: 7, oversampling: 4, seed: 2)
        let restored = svd.inverseTransform(svd.transform(a, rows: 30), rows: 30)
        let maxError = zip(a, restored).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(maxError, 1e-4)
        XCTAssertEqual(svd.singularValues[4], 0.2, accuracy: 1e-4)
        XCTAssertLessThan(svd.singularValues[5], 1e-4)
        XCTAssertTrue(svd.components[(5 * 50)...].allSatisfy { $0 == 0 }, "components past the rank must be zero")
    }

    func testTruncationKeepsTheBestRankKApproximation() {
        // Error of the rank-2 projection equals sqrt(σ3² + σ4²) in Frobenius norm (Eckart–Young).
        let sigma = [6.0, 3.0, 1.0, 0.5]
        let (a, _) = knownMatrix(rows: 25, cols: 20, sigma: sigma, seed: 11)
        let svd = TruncatedSVD(fitting: a, rows: 25, cols: 20, rank: 2, seed: 5)
        let restored = svd.inverseTransform(svd.transform(a, rows: 25), rows: 25)
        let frobenius = zip(a, restored).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
        XCTAssertEqual(frobenius, (1.0 + 0.25).squareRoot(), accuracy: 1e-3)
    }

    func testSameSeedGivesIdenticalComponents() {
        let (a, _) = knownMatrix(rows: 20, cols: 15, sigma: [3, 2, 1], seed: 4)
        let x = TruncatedSVD(fitting: a, rows: 20, cols: 15, rank: 2, seed: 9)
        let y = TruncatedSVD(fitting: a, rows: 20, cols: 15, rank: 2, seed: 9)
        XCTAssertEqual(x.components, y.components)
        XCTAssertEqual(x.singularValues, y.singularValues)
    }
}
