import PerturbBase
import PerturbStats
import XCTest

/// The block-wise fit equals the one-shot `lmFit` → `contrasts.fit` → `eBayes` on the same genes: complete genes
/// (the BLAS path), genes with missing values (per-gene QR), weighted blocks, and the moderated statistics.
final class StreamingLimmaTests: XCTestCase {
    /// 60 samples: 9 treated conditions × 4 replicates over 3 plates, plus 8 controls per plate; 53 genes with
    /// condition, plate and gene effects, some values missing.
    func problem() -> (
        expression: [Double], weights: [Double], genes: Int, design: DesignMatrix,
        contrasts: [(name: String, weights: [String: Double])]
    ) {
        var rng = SeededRNG(seed: 14)
        var groups: [String] = [], plates: [Int] = [], treatment: [Int?] = []
        for c in 0..<9 { for r in 0..<4 { groups.append("c\(c)"); plates.append((c + r) % 3); treatment.append(c) } }
        for plate in 0..<3 {
            for _ in 0..<8 { groups.append("ctl\(plate)"); plates.append(plate); treatment.append(nil) }
        }
        let levels = (0..<9).map { "c\($0)" } + (0..<3).map { "ctl\($0)" }
        let design = DesignMatrix.groups(groups, levels: levels)
        let genes = 53, n = groups.count
        var expression = [Double](repeating: 0, count: genes * n), weights = expression
        for g in 0..<genes {
            let base = 5 + Double(g % 7), scale = 0.2 + 0.05 * Double(g % 5)
            for i in 0..<n {
                let effect = g % 4 == 0 ? Double(treatment[i] ?? 0) * 0.3 : 0
                expression[g * n + i] = base + effect + 0.1 * Double(plates[i]) + scale * rng.nextGaussian()
                weights[g * n + i] = 0.5 + rng.nextDouble()
            }
            if g % 6 == 5 { expression[g * n + (g % n)] = .nan; expression[g * n + ((g * 7) % n)] = .nan }
        }
        let contrasts: [(name: String, weights: [String: Double])] = (0..<9).map { c in
            let own = Set((0..<4).map { (c + $0) % 3 }).sorted()
            var w = ["c\(c)": 1.0]
            for plate in own { w["ctl\(plate)"] = -1 / Double(own.count) }
            return ("c\(c)", w)
        }
        return (expression, weights, genes, design, contrasts)
    }

    func assertClose(_ a: [Double], _ b: [Double], _ what: String, tolerance: Double = 1e-11) {
        XCTAssertEqual(a.count, b.count, what)
        var worst = 0.0
        for (x, y) in zip(a, b) {
            if x.isNaN || y.isNaN { XCTAssertTrue(x.isNaN && y.isNaN, "\(what): \(x) vs \(y)"); continue }
            worst = max(worst, abs(x - y) / max(1, abs(y)))
        }
        XCTAssertLessThanOrEqual(worst, tolerance, what)
    }

    func testBlocksOfGenesGiveTheOneShotFitAndModeration() throws {
        let (expression, weights, genes, design, contrasts) = problem()
        let n = design.rows
        for weighted in [false, true] {
            let oneShot = Contrasts.fit(
                try LinearModel.fit(
                    expression: expression, genes: genes, design: design,
                    weights: weighted ? weights : nil), contrasts: contrasts)
            var stream = try StreamingLimma(design: design, contrasts: contrasts, expectedGenes: genes)
            var start = 0
            for size in [1, 7, 16, 29] where start < genes {
                let count = min(size, genes - start)
                try stream.add(
                    expression: Array(expression[(start * n)..<((start + count) * n)]), genes: count,
                    weights: weighted ? Array(weights[(start * n)..<((start + count) * n)]) : nil)
                start += count
            }
            XCTAssertEqual(stream.genes, genes)
            let blocks = stream.fit
            XCTAssertEqual(blocks.names, contrasts.map(\.name))
            assertClose(blocks.coefficients, oneShot.coefficients, "logFC (weighted \(weighted))")
            assertClose(blocks.stdevUnscaled, oneShot.stdevUnscaled, "stdev.unscaled (weighted \(weighted))")
            assertClose(blocks.sigma, oneShot.sigma, "sigma (weighted \(weighted))")
            XCTAssertEqual(blocks.dfResidual, oneShot.dfResidual)
            assertClose(blocks.covCoefficients, oneShot.covCoefficients, "contrast covariance")
            let a = EmpiricalBayes.moderate(blocks, trend: true), b = EmpiricalBayes.moderate(oneShot, trend: true)
            assertClose(a.t, b.t, "moderated t")
            assertClose(a.pValue, b.pValue, "P")
            assertClose(a.lods, b.lods, "B")
            XCTAssertGreaterThan(a.t.filter { $0.isFinite }.count, genes * contrasts.count - 2 * contrasts.count)
        }
    }

    func testASingularDesignIsRejectedBeforeAnyBlock() {
        let singular = DesignMatrix(rows: 3, columns: 2, values: [1, 2, 1, 2, 1, 2], columnNames: ["a", "b"])
        XCTAssertThrowsError(try StreamingLimma(design: singular, contrasts: [("a", ["a": 1])])) {
            XCTAssertTrue("\($0)".contains("singular"), "\($0)")
        }
    }
}
