import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbStats

/// filterByExpr → TMM → voom → lmFit → contrasts.fit → eBayes on simulated counts (two plates, a plate covariate)
/// against R's edgeR and limma on the same counts.
final class LimmaVoomTests: XCTestCase {
    struct Experiment {
        var counts: [Double]
        var genes: Int
        var samples: Int
        var groups: [String]
        var plates: [String]
        var levels: [String]
    }

    /// 600 genes × 20 samples: controls and 4 treatments, 4 replicates each over 2 plates; negative-binomial-like
    /// counts with gene-specific means (some genes nearly silent) and treatment effects on a tenth of the genes.
    func experiment() -> Experiment {
        var rng = SeededRNG(seed: 2026)
        let levels = ["ctl", "a", "b", "c", "d"]
        var groups: [String] = [], plates: [String] = []
        for level in levels { for r in 0..<4 { groups.append(level); plates.append(r % 2 == 0 ? "p1" : "p2") } }
        let genes = 600, samples = groups.count
        let depth = (0..<samples).map { _ in 0.6 + 0.8 * rng.nextDouble() }
        var counts = [Double](repeating: 0, count: genes * samples)
        for g in 0..<genes {
            let base = exp(rng.nextGaussian() * 2 + 3)
            for s in 0..<samples {
                let level = levels.firstIndex(of: groups[s])!
                let effect = g % 10 == 0 && level > 0 ? exp(Double(level) * 0.4 * (g % 20 == 0 ? 1 : -1)) : 1
                let plate = plates[s] == "p2" ? 1.2 : 1
                let mean = base * depth[s] * effect * plate * exp(rng.nextGaussian() * 0.2)
                // Poisson by inversion (small means) or normal approximation (large means).
                var k = 0.0
                if mean < 30 {
                    let limit = exp(-mean); var product = rng.nextDouble()
                    while product > limit { k += 1; product *= rng.nextDouble() }
                } else {
                    k = max(0, (mean + mean.squareRoot() * rng.nextGaussian()).rounded())
                }
                counts[g * samples + s] = k
            }
        }
        return Experiment(
            counts: counts, genes: genes, samples: samples, groups: groups, plates: plates, levels: levels)
    }

    func testVoomPipelineMatchesEdgeRAndLimma() throws {
        let e = experiment()
        let dir = try temporaryDirectory("voom")
        try LimmaOracle.write(e.counts, rows: e.genes, columns: e.samples, to: dir.appendingPathComponent("counts.tsv"))
        try e.groups.joined(separator: "\n").write(
            to: dir.appendingPathComponent("groups.txt"), atomically: true, encoding: .utf8)
        try e.plates.joined(separator: "\n").write(
            to: dir.appendingPathComponent("plates.txt"), atomically: true, encoding: .utf8)
        _ = try LimmaOracle.run(
            """
            suppressMessages({library(limma); library(edgeR)})
            counts <- as.matrix(read.table("counts.tsv", sep = "\\t"))
            cond <- factor(readLines("groups.txt"), levels = c("ctl", "a", "b", "c", "d")); plate <- factor(readLines("plates.txt"))
            design <- model.matrix(~ 0 + cond + plate); colnames(design) <- c("ctl", "a", "b", "c", "d", "platep2")
            dge <- DGEList(counts); keep <- filterByExpr(dge, design)
            dge <- calcNormFactors(dge[keep, , keep.lib.sizes = FALSE])
            v <- voom(dge, design)
            fit <- eBayes(contrasts.fit(lmFit(v, design), makeContrasts(a - ctl, b - ctl, c - ctl, d - ctl, levels = design)))
            w <- function(x, f) write.table(x, f, sep = "\\t", col.names = FALSE, row.names = FALSE)
            w(cbind(as.integer(keep)), "keep.tsv"); w(cbind(dge$samples$norm.factors), "nf.tsv")
            w(v$E, "E.tsv"); w(v$weights, "W.tsv"); w(fit$coefficients, "logfc.tsv"); w(fit$t, "t.tsv"); w(fit$p.value, "p.tsv")
            w(cbind(fit$df.prior), "dfprior.tsv")
            """, in: dir)

        let design = DesignMatrix.groups(e.groups, levels: e.levels, factors: [("plate", e.plates, ["p1", "p2"])])
        let keep = CountNormalization.filterByExpression(e.counts, genes: e.genes, samples: e.samples, design: design)
        XCTAssertEqual(keep, try LimmaOracle.numbers(dir.appendingPathComponent("keep.tsv")).map { $0[0] == 1 })
        let kept = keep.indices.filter { keep[$0] }
        let counts = kept.flatMap { g in e.counts[(g * e.samples)..<((g + 1) * e.samples)] }
        let factors = CountNormalization.tmmFactors(counts, genes: kept.count, samples: e.samples)
        for (ours, theirs) in zip(factors, try LimmaOracle.numbers(dir.appendingPathComponent("nf.tsv")).map { $0[0] })
        {
            assertClose(ours, theirs, relative: 1e-10, "TMM factor")
        }
        let voom = try Voom.transform(
            counts: counts, genes: kept.count, samples: e.samples, design: design, normalizationFactors: factors)
        for (name, ours) in [("E", voom.expression), ("W", voom.weights)] {
            let theirs = try LimmaOracle.numbers(dir.appendingPathComponent("\(name).tsv")).flatMap { $0 }
            XCTAssertEqual(theirs.count, ours.count)
            let worst = zip(ours, theirs).map { abs($0 - $1) / max(abs($0), abs($1), 1e-12) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-6, "voom \(name): worst relative difference \(worst)")
            print("voom oracle: \(name) worst relative difference \(worst)")
        }
        let fit = try LinearModel.fit(
            expression: voom.expression, genes: kept.count, design: design, weights: voom.weights)
        let contrasts = Contrasts.fit(
            fit, contrasts: ["a", "b", "c", "d"].map { ("\($0) - ctl", [$0: 1.0, "ctl": -1.0]) })
        let moderated = EmpiricalBayes.moderate(contrasts)
        assertClose(
            moderated.prior.df[0], try LimmaOracle.numbers(dir.appendingPathComponent("dfprior.tsv"))[0][0],
            relative: 1e-6, "df.prior")
        for (name, ours) in [("logfc", contrasts.coefficients), ("t", moderated.t), ("p", moderated.pValue)] {
            let theirs = try LimmaOracle.numbers(dir.appendingPathComponent("\(name).tsv")).flatMap { $0 }
            let worst = zip(ours, theirs).map { abs($0 - $1) / max(abs($0), abs($1), 1e-12) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-6, "\(name): worst relative difference \(worst)")
            print("voom oracle: \(name) worst relative difference \(worst)")
        }
    }
}
