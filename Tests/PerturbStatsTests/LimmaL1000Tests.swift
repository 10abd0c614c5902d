import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

@testable import PerturbStats

/// lmFit + contrasts.fit + eBayes on the real L1000 plate (every compound-dose against the plate's DMSO wells)
/// against R's limma on the same numbers.
final class LimmaL1000Tests: XCTestCase {
    struct Plate {
        var expression: [Double]  // genes × samples
        var genes: Int
        var groups: [String]
        var levels: [String]
        var treated: [String]
    }

    func plate() throws -> Plate {
        let url = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        let gct = try GCTReader.read(url)
        let types = gct.colMeta.column("pert_type")!.stringValues()
        let names = gct.colMeta.column("pert_iname")!.stringValues(),
            doses = gct.colMeta.column("pert_dose")!.stringValues()
        let groups = types.indices.map {
            types[$0] == "ctl_vehicle"
                ? "ctl" : "g_" + (names[$0] + "_" + doses[$0]).map { $0.isLetter || $0.isNumber ? $0 : "_" }
        }
        var levels: [String] = []
        for g in groups where !levels.contains(g) { levels.append(g) }
        let n = gct.matrix.cols, genes = gct.matrix.rows
        return Plate(
            expression: gct.matrix.values.map(Double.init), genes: genes, groups: groups, levels: levels,
            treated: levels.filter { $0 != "ctl" })
    }

    private func rScript(trend: Bool, robust: Bool) -> String {
        """
        suppressMessages(library(limma))
        y <- as.matrix(read.table("y.tsv", sep = "\\t"))
        groups <- readLines("groups.txt"); levels <- readLines("levels.txt")
        g <- factor(groups, levels = levels)
        design <- model.matrix(~ 0 + g); colnames(design) <- levels
        fit <- lmFit(y, design)
        treated <- setdiff(levels, "ctl")
        cm <- makeContrasts(contrasts = paste0(treated, " - ctl"), levels = design)
        fit2 <- eBayes(contrasts.fit(fit, cm), trend = \(trend ? "TRUE" : "FALSE"), robust = \(robust ? "TRUE" : "FALSE"))
        w <- function(x, f) write.table(x, f, sep = "\\t", col.names = FALSE, row.names = FALSE)
        w(fit$coefficients, "coef.tsv"); w(fit$sigma, "sigma.tsv"); w(fit$df.residual, "df.tsv")
        w(fit2$coefficients, "logfc.tsv"); w(fit2$t, "t.tsv"); w(fit2$p.value, "p.tsv"); w(fit2$lods, "b.tsv")
        w(cbind(fit2$df.prior), "dfprior.tsv"); w(cbind(fit2$s2.prior), "s2prior.tsv")
        cat(as.character(packageVersion("limma")), "\\n")
        """
    }

    private func compare(trend: Bool, robust: Bool) throws {
        let plate = try plate()
        let dir = try temporaryDirectory("limma")
        let n = plate.groups.count
        try LimmaOracle.write(plate.expression, rows: plate.genes, columns: n, to: dir.appendingPathComponent("y.tsv"))
        try plate.groups.joined(separator: "\n").write(
            to: dir.appendingPathComponent("groups.txt"), atomically: true, encoding: .utf8)
        try plate.levels.joined(separator: "\n").write(
            to: dir.appendingPathComponent("levels.txt"), atomically: true, encoding: .utf8)
        _ = try LimmaOracle.run(rScript(trend: trend, robust: robust), in: dir)

        let design = DesignMatrix.groups(plate.groups, levels: plate.levels)
        let fit = try LinearModel.fit(expression: plate.expression, genes: plate.genes, design: design)
        let contrasts = Contrasts.fit(fit, contrasts: plate.treated.map { ($0 + " - ctl", [$0: 1.0, "ctl": -1.0]) })
        let moderated = EmpiricalBayes.moderate(contrasts, trend: trend)

        let k = plate.treated.count
        let sigma = try LimmaOracle.numbers(dir.appendingPathComponent("sigma.tsv")).map { $0[0] }
        for g in 0..<plate.genes { assertClose(fit.sigma[g], sigma[g], relative: 1e-9, "sigma gene \(g)") }
        let dfPrior = try LimmaOracle.numbers(dir.appendingPathComponent("dfprior.tsv"))[0][0]
        assertClose(moderated.prior.df[0], dfPrior, relative: 1e-6, "df.prior")
        let s2Prior = try LimmaOracle.numbers(dir.appendingPathComponent("s2prior.tsv")).map { $0[0] }
        for g in 0..<plate.genes {
            assertClose(
                moderated.prior.s2[g], s2Prior[s2Prior.count == 1 ? 0 : g], relative: 1e-6, "s2.prior gene \(g)")
        }
        for (name, ours) in [("logfc", contrasts.coefficients), ("t", moderated.t), ("p", moderated.pValue)] {
            let theirs = try LimmaOracle.numbers(dir.appendingPathComponent("\(name).tsv"))
            XCTAssertEqual(theirs.count, plate.genes)
            var worst = 0.0
            for g in 0..<plate.genes {
                for j in 0..<k {
                    let a = ours[g * k + j], b = theirs[g][j]
                    if name == "p" && b < 1e-300 { continue }
                    worst = max(worst, abs(a - b) / max(abs(a), abs(b), 1e-12))
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-6, "\(name): worst relative difference \(worst)")
            print("limma oracle (trend \(trend), robust \(robust)): \(name) worst relative difference \(worst)")
        }
        let b = try LimmaOracle.numbers(dir.appendingPathComponent("b.tsv"))
        var worstB = 0.0
        for g in 0..<plate.genes { for j in 0..<k { worstB = max(worstB, abs(moderated.lods[g * k + j] - b[g][j])) } }
        XCTAssertLessThanOrEqual(worstB, 1e-6, "B: worst absolute difference \(worstB)")
        print(
            "limma oracle (trend \(trend), robust \(robust)): df.prior \(moderated.prior.df[0]) vs \(dfPrior); B worst absolute difference \(worstB)"
        )
    }

    func testPlateWithoutTrend() throws { try compare(trend: false, robust: false) }
    func testPlateWithTrend() throws { try compare(trend: true, robust: false) }
}
