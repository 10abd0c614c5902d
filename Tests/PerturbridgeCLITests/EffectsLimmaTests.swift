import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
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
        let gct = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        let dir = try temporaryDirectory()
        let limma = dir.appendingPathComponent("limma.h5ad"), meanDiff = dir.appendingPathComponent("meandiff.h5ad")
        try runOK(["effects", "--input", gct.path, "--dataset", "A375", "--output", limma.path], timeout: 120)
        try runOK(
            ["effects", "--input", gct.path, "--dataset", "A375", "--method", "mean-diff", "--output", meanDiff.path],
            timeout: 120)
        let a = try layers(limma), b = try layers(meanDiff)
        XCTAssertEqual(Set(a.layers.keys), ["t", "pvalue", "adj_pvalue", "B", "AveExpr", "clipped_sign_log10_pval"])
        // The plate's conditions are single wells: the Welch test has no replicate variance, limma borrows the controls'.
        XCTAssertTrue(b.layers.isEmpty, "mean-diff computes no Welch layer without replicates: \(b.layers.keys)")
        XCTAssertEqual(a.logFC.count, b.logFC.count)
        let worst = zip(a.logFC, b.logFC).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4, "single plate, unweighted: the contrast estimate is the mean difference")
        let t = a.layers["t"]!, p = a.layers["pvalue"]!, adj = a.layers["adj_pvalue"]!,
            clipped = a.layers["clipped_sign_log10_pval"]!
        XCTAssertTrue(p.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(zip(p, adj).allSatisfy { $0 <= $1 + 1e-7 }, "BH-adjusted p ≥ p")
        XCTAssertTrue(clipped.allSatisfy { abs($0) <= 4 + 1e-5 })
        XCTAssertTrue(
            zip(t, a.logFC).allSatisfy { $0 == 0 || $1 == 0 || ($0 > 0) == ($1 > 0) }, "t has the sign of logFC")
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
        for g in 0..<counts.cols {
            text += (0..<counts.rows).map { String(counts.values[$0 * counts.cols + g]) }.joined(separator: "\t") + "\n"
        }
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
        try assertEqualToR(script, logFC: a.logFC, t: a.layers["t"]!, in: dir)
    }

    /// A GCT of three plates (conditions on two or three plates each, DMSO on every plate, a second time point on one
    /// plate) with plate effects: the default design is the reference's `~ 0 + cond + plate` with controls pooled per
    /// time, so logFC and t equal R limma's `lmFit(y, model.matrix(~ 0 + cond + plate))` → contrasts against
    /// `DMSO_<time>` → `eBayes(trend = TRUE)` (skipped without R); `--limma-design control-groups` gives other numbers.
    func testMultiPlateL1000MatchesRWithPlateAsCovariate() throws {
        let dir = try temporaryDirectory()
        var wells: [(type: String, name: String, time: String, plate: String)] = []
        for plate in ["P1", "P2", "P3"] { for _ in 0..<5 { wells.append(("ctl_vehicle", "DMSO", "24", plate)) } }
        for (name, plate) in [
            ("A", "P1"), ("A", "P2"), ("B", "P1"), ("B", "P3"), ("C", "P2"), ("C", "P3"), ("D", "P1"), ("D", "P2"),
            ("D", "P3"),
        ] {
            wells.append(("trt_cp", name, "24", plate))
        }
        for _ in 0..<3 { wells.append(("ctl_vehicle", "DMSO", "6", "P3")) }
        for _ in 0..<2 { wells.append(("trt_cp", "A", "6", "P3")) }
        let genes = 30
        var rng = SeededRNG(seed: 3)
        let plateEffect = (0..<3).map { _ in (0..<genes).map { _ in 0.5 * rng.nextGaussian() } }
        let shift: [String: Double] = ["A": 1, "B": -1, "C": 0.5, "D": 2, "DMSO": 0]
        var lines = [
            "#1.3", "\(genes)\t\(wells.count)\t1\t9",
            (["id", "pr_gene_symbol"] + wells.indices.map { "S\($0)" }).joined(separator: "\t"),
        ]
        let meta: [(String, (Int) -> String)] = [
            ("pert_type", { wells[$0].type }), ("pert_iname", { wells[$0].name }),
            ("pert_dose", { wells[$0].type == "trt_cp" ? "10" : "-666" }), ("pert_dose_unit", { _ in "uM" }),
            ("pert_time", { wells[$0].time }), ("pert_time_unit", { _ in "h" }), ("cell_id", { _ in "A375" }),
            ("det_plate", { wells[$0].plate }), ("det_well", { "W\($0)" }),
        ]
        for (name, value) in meta { lines.append(([name, "na"] + wells.indices.map(value)).joined(separator: "\t")) }
        for g in 0..<genes {
            let row = wells.map { w -> String in
                var v = 5 + 0.1 * Double(g) + plateEffect[Int(String(w.plate.last!))! - 1][g] + 0.3 * rng.nextGaussian()
                if g % 3 == 0 { v += shift[w.name]! }
                if w.time == "6" { v += 0.4 }
                return String(format: "%.6f", v)
            }
            lines.append((["g\(g)", "GENE\(g)"] + row).joined(separator: "\t"))
        }
        let gct = try CLIFixtures.write(lines.joined(separator: "\n") + "\n", to: "plates.gct", in: dir)
        let covariate = dir.appendingPathComponent("covariate.h5ad"), groups = dir.appendingPathComponent("groups.h5ad")
        try runOK(["effects", "--input", gct.path, "--dataset", "mp", "--output", covariate.path])
        try runOK([
            "effects", "--input", gct.path, "--dataset", "mp", "--limma-design", "control-groups", "--output",
            groups.path,
        ])
        let a = try layers(covariate), b = try layers(groups)
        XCTAssertEqual(
            a.reader.obs.index,
            [
                "mp|A375|name:A|10|24", "mp|A375|name:B|10|24", "mp|A375|name:C|10|24",
                "mp|A375|name:D|10|24", "mp|A375|name:A|10|6",
            ])
        let differs = zip(a.layers["t"]!, b.layers["t"]!).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(differs, 0.1, "the two designs differ when plates differ")

        let script = """
            suppressMessages(library(limma))
            x <- read.delim("plates.gct", skip = 2, header = TRUE, check.names = FALSE)
            y <- as.matrix(x[10:nrow(x), -(1:2)]); mode(y) <- "numeric"
            cond <- factor(paste0(unlist(x[2, -(1:2)]), "_", unlist(x[5, -(1:2)]))); plate <- factor(unlist(x[8, -(1:2)]))
            design <- model.matrix(~ 0 + cond + plate)
            cm <- makeContrasts(condA_24 - condDMSO_24, condB_24 - condDMSO_24, condC_24 - condDMSO_24,
                                condD_24 - condDMSO_24, condA_6 - condDMSO_6, levels = design)
            fit <- eBayes(contrasts.fit(lmFit(y, design), cm), trend = TRUE)
            write.table(t(fit$coefficients), "logfc.tsv", sep = "\\t", col.names = FALSE, row.names = FALSE)
            write.table(t(fit$t), "t.tsv", sep = "\\t", col.names = FALSE, row.names = FALSE)
            """
        try assertEqualToR(script, logFC: a.logFC, t: a.layers["t"]!, in: dir)
    }

    /// Runs `script` (R with limma), which writes `logfc.tsv` and `t.tsv` (conditions × genes), and compares them with
    /// ours to float32 precision (skipped without R).
    private func assertEqualToR(
        _ script: String, logFC: [Float], t: [Float], in dir: URL,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        _ = try ReferenceTool.run(["Rscript", "-e", script], in: dir)
        for (name, ours) in [("logfc", logFC), ("t", t)] {
            let theirs = try String(contentsOf: dir.appendingPathComponent("\(name).tsv"), encoding: .utf8)
                .split(separator: "\n").flatMap { $0.split(separator: "\t").map { Double($0)! } }
            XCTAssertEqual(theirs.count, ours.count, name, file: file, line: line)
            for (x, y) in zip(ours, theirs) {
                XCTAssertEqual(Double(x), y, accuracy: 1e-5 * max(1, abs(y)), name, file: file, line: line)
            }
        }
    }
}
