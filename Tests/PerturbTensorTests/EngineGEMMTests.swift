import PerturbBase
import XCTest

@testable import PerturbTensor

/// `sgemm` cuts each product into slabs over the engine's threads: every transpose combination, both split
/// directions (rows when C is taller, columns when wider), strided operands and sizes off the 16-wide tile must give
/// the product a Double reference computes on 1, 2 and 3 threads, and the same bits again on the same thread count.
final class EngineGEMMTests: XCTestCase {
    private struct Case {
        let transposeA: Bool, transposeB: Bool
        let m: Int, n: Int, k: Int
        let alpha: Float, beta: Float
        /// Extra columns in every operand's rows (leading dimension = width + pad).
        let pad: Int
    }

    private static let cases: [Case] = [true, false].flatMap { ta in
        [true, false].flatMap { tb in
            [
                // Taller than wide: split by rows; 203 is off the tile.
                Case(transposeA: ta, transposeB: tb, m: 203, n: 70, k: 190, alpha: 1, beta: 0, pad: 0),
                // Wider than tall: split by columns, with accumulation into C and strided operands.
                Case(transposeA: ta, transposeB: tb, m: 37, n: 301, k: 200, alpha: 0.5, beta: 1, pad: 3),
                // Too small to split: the calling thread.
                Case(transposeA: ta, transposeB: tb, m: 9, n: 5, k: 7, alpha: -2, beta: 0.25, pad: 1),
            ]
        }
    }

    /// Runs `c` on `threads` threads; returns C (row-major `m × ldc`).
    private func product(_ c: Case, threads: Int) -> (result: [Float], reference: [Double]) {
        let before = Engine.threads
        Engine.setThreads(threads)
        defer { Engine.setThreads(before) }
        // Stored shapes: A is m×k (k×m transposed), B is k×n (n×k transposed).
        let aRows = c.transposeA ? c.k : c.m, aCols = c.transposeA ? c.m : c.k
        let bRows = c.transposeB ? c.n : c.k, bCols = c.transposeB ? c.k : c.n
        let lda = aCols + c.pad, ldb = bCols + c.pad, ldc = c.n + c.pad
        var rng = SeededRNG(seed: 41)
        let a = (0..<(aRows * lda)).map { _ in Float(rng.nextDouble() * 2 - 1) }
        let b = (0..<(bRows * ldb)).map { _ in Float(rng.nextDouble() * 2 - 1) }
        var out = (0..<(c.m * ldc)).map { _ in Float(rng.nextDouble() * 2 - 1) }
        var reference = out.map(Double.init)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = 0.0
                for l in 0..<c.k {
                    let x = c.transposeA ? a[l * lda + i] : a[i * lda + l]
                    let y = c.transposeB ? b[j * ldb + l] : b[l * ldb + j]
                    sum += Double(x) * Double(y)
                }
                reference[i * ldc + j] = Double(c.alpha) * sum + Double(c.beta) * reference[i * ldc + j]
            }
        }
        sgemm(
            transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: c.alpha, a: a,
            lda: lda, b: b, ldb: ldb, beta: c.beta, c: &out, ldc: ldc)
        return (out, reference)
    }

    func testSplitProductsMatchTheReferenceOnAnyThreadCount() {
        for c in Self.cases {
            for threads in [1, 2, 3] {
                let run = product(c, threads: threads)
                let worst = zip(run.result, run.reference).map { abs(Double($0) - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5 * Double(c.k), "\(c) on \(threads) threads")
                XCTAssertEqual(product(c, threads: threads).result, run.result, "\(c) repeated on \(threads) threads")
            }
        }
    }

    func testSlabsCoverTheExtentOnTileBounds() {
        for extent in [16, 17, 100, 203, 4096] {
            for slabs in 1...4 {
                let bounds = (0...slabs).map { Engine.slabBound($0, of: slabs, extent: extent) }
                XCTAssertEqual(bounds.first, 0)
                XCTAssertEqual(bounds.last, extent)
                XCTAssertEqual(bounds, bounds.sorted(), "extent \(extent), \(slabs) slabs")
                XCTAssertTrue(bounds.dropLast().allSatisfy { $0 % 16 == 0 }, "extent \(extent), \(slabs) slabs")
            }
        }
    }
}
