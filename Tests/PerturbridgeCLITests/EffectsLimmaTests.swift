import Foundation
import PerturbBase
import PerturbIO
import XCTest

/// `effects --method limma` (the default) against `--method mean-diff` on the same inputs.
final class EffectsLimmaTests: XCTestCase {
    private func layers(_ url: URL) throws -> (reader: H5ADReader, logFC: [Float], layers: [String: [Float]]) {
        let reader = try H5ADReader(url: url)
        var out: [String: [Float]] = [:]
        for name in reader.layerNames where name != "measured" { out[name] = try reader.readDense(layer: name).values }
        return (reader, try reader.readDense(layer: nil).values, out)
    }

    /// On one L1000 plate without missing values limma's logFC is the mean difference; the statistics layers are
    /// limma's and consistent with each other.
    func testL1000PlateLimmaLayers() throws {
        guard let gct = SharedData.dataFile("l1000-cmappy/test_l1000.gct") else { throw XCTSkip("shared L1000 plate absent") }
        let dir = try temporaryDirectory()
        let limma = dir.appendingPathComponent("limma.h5ad"), meanDiff = dir.appendingPathComponent("meandiff.h5ad")
        try runOK(["effects", "--input", gct.path, "--dataset", "A375", "--output", limma.path], timeout: 120)
        try runOK(["effects", "--input", gct.path, "--dataset", "A375", "--method", "mean-diff", "--output", meanDiff.path], timeout: 120)
        let a = try layers(limma), b = try layers(meanDiff)
        XCTAssertEqual(Set(a.layers.keys), ["t", "pvalue", "adj_pvalue", "B", "AveExpr", "clipped_sign_log10_pval"])
        // The plate's conditions are single wells: the Welch test has no replicate variance, limma borrows the controls'.
        XCTAssertTrue(b.layers.isEmpty, "mean-diff computes no Welch layer without replicates: \(b.layers.keys)")
        XCTAssertEqual(a.logFC.count, b.logFC.count)
        let worst = zip(a.logFC, b.logFC).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4, "single plate, unweighted: the contrast estimate is the mean difference")
        let t = a.layers["t"]!, p = a.layers["pvalue"]!, adj = a.layers["adj_pvalue"]!, clipped = a.layers["clipped_sign_log10_pval"]!
        XCTAssertTrue(p.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(zip(p, adj).allSatisfy { $0 <= $1 + 1e-7 }, "BH-adjusted p ≥ p")
        XCTAssertTrue(clipped.allSatisfy { abs($0) <= 4 + 1e-5 })
        XCTAssertTrue(zip(t, a.logFC).allSatisfy { $0 == 0 || $1 == 0 || ($0 > 0) == ($1 > 0) }, "t has the sign of logFC")
        let provenance = try String(contentsOf: URL(fileURLWithPath: limma.path + ".ingest.json"), encoding: .utf8)
        XCTAssertFalse(provenance.isEmpty)
    }

    /// Counts go through filterByExpr, TMM and voom: the effects file's logFC and t equal R's edgeR + limma on the same
    /// counts and design (skipped without R).
    func testSampleCountsThroughVoomMatchR() throws {
        let dir = try temporaryDirectory()
        let samples = dir.appendingPathComponent("samples.h5ad")
        try CLIFixtures.writeSamples(samples, treated: [(0, "10"), (1, "10"), (2, "1")])
        let out = dir.appendingPathComponent("effects.h5ad")
        let result = try runOK(["effects", "--input", samples.path, "--output", out.path])
        let a = try layers(out)
        XCTAssertEqual(a.reader.shape.rows, 3, result.transcript)
        XCTAssertTrue(a.layers["pvalue"]?.allSatisfy { $0.isFinite } ?? false, result.transcript)

        let input = try H5ADReader(url: samples)
        let counts = try input.readDense(layer: nil)
        var text = ""
        for g in 0..<counts.cols { text += (0..<counts.rows).map { String(counts.values[$0 * counts.cols + g]) }.joined(separator: "\t") + "\n" }
        try text.write(to: dir.appendingPathComponent("counts.tsv"), atomically: true, encoding: .utf8)
        let script = """
            suppressMessages({library(limma); library(edgeR)})
            counts <- as.matrix(read.table("counts.tsv", sep = "\\t"))
            g <- factor(c("ctl", "ctl", "a", "a", "b", "b", "c", "c"), levels = c("a", "b", "c", "ctl"))
            design <- model.matrix(~ 0 + g); colnames(design) <- levels(g)
            dge <- DGEList(counts); keep <- filterByExpr(dge, design); dge <- calcNormFactors(dge[keep, , keep.lib.sizes = FALSE])
            fit <- eBayes(contrasts.fit(lmFit(voom(dge, design), design), makeContrasts(a - ctl, b - ctl, c - ctl, levels = design)))
            write.table(t(fit$coefficients), "logfc.tsv", sep = "\\t", col.names = FALSE, row.names = FALSE)
            write.table(t(fit$t), "t.tsv", sep = "\\t", col.names = FALSE, row.names = FALSE)
            """
        _ = try runReferenceTool(["Rscript", "-e", script], in: dir)
        for (name, ours) in [("logfc", a.logFC), ("t", a.layers["t"]!)] {
            let theirs = try String(contentsOf: dir.appendingPathComponent("\(name).tsv"), encoding: .utf8)
                .split(separator: "\n").flatMap { $0.split(separator: "\t").map { Double($0)! } }
            XCTAssertEqual(theirs.count, ours.count, name)
            for (x, y) in zip(ours, theirs) { XCTAssertEqual(Double(x), y, accuracy: 1e-5 * max(1, abs(y)), name) }
        }
    }
}
