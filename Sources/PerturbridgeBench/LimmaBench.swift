import ArgumentParser
import Foundation
import PerturbBase
import PerturbIO
import PerturbStats

/// `perturbridge-bench limma`: the whole-plate differential-expression fit (lmFit + contrasts.fit + eBayes with the
/// intensity trend: every compound-dose of the real L1000 plate against its DMSO wells) of PerturbStats against R's
/// limma on the same numbers in the same run (R's time excludes reading the data and loading limma).
///
///     perturbridge-bench limma [--repeats 5] [--threads T] [--gct FILE] [--rscript Rscript]
enum LimmaBench {
    struct Settings: ParsableArguments {
        @Option(help: "Repeats (best of).") var repeats = 5
        @Option(help: "Threads of the Swift fit.") var threads = Parallel.threadCount
        @Option(help: "The L1000 plate (default: the shared test_l1000.gct).") var gct: String?
        @Option(help: "Rscript with limma for the peer.") var rscript = "Rscript"

        func validate() throws { try requirePositive(["--repeats": repeats, "--threads": threads]) }
    }

    static func run(_ settings: Settings) throws {
        guard
            let url = settings.gct.map({ URL(fileURLWithPath: $0) })
                ?? SharedData.dataFile("l1000-cmappy/test_l1000.gct")
        else {
            throw InputError("limma bench: no --gct given and ../shared/data/l1000-cmappy/test_l1000.gct is absent")
        }
        let gct = try GCTReader.read(url)
        guard let types = gct.colMeta.column("pert_type")?.stringValues(),
            let names = gct.colMeta.column("pert_iname")?.stringValues(),
            let doses = gct.colMeta.column("pert_dose")?.stringValues()
        else {
            throw InputError("\(url.path): column metadata needs pert_type, pert_iname and pert_dose")
        }
        let groups = types.indices.map {
            types[$0] == "ctl_vehicle"
                ? "ctl"
                : "g\(names[$0])_\(doses[$0])".map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce("") {
                    $0 + String($1)
                }
        }
        var levels: [String] = []
        for g in groups where !levels.contains(g) { levels.append(g) }
        let treated = levels.filter { $0 != "ctl" }
        let genes = gct.matrix.rows, samples = gct.matrix.cols
        let expression = gct.matrix.values.map(Double.init)
        print(
            "limma bench: \(url.lastPathComponent): \(genes) genes × \(samples) samples, \(treated.count) contrasts vs \(groups.filter { $0 == "ctl" }.count) DMSO wells; best of \(settings.repeats)"
        )

        let design = DesignMatrix.groups(groups, levels: levels)
        var best = Double.infinity, checksum = 0.0, stages = [Double](repeating: .infinity, count: 3)
        setenv("PERTURBRIDGE_THREADS", "\(settings.threads)", 1)
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        for _ in 0..<settings.repeats {
            let start = now()
            let fit = try LinearModel.fit(expression: expression, genes: genes, design: design)
            let fitted = now()
            let contrasts = Contrasts.fit(fit, contrasts: treated.map { ($0 + " - ctl", [$0: 1.0, "ctl": -1.0]) })
            let contrasted = now()
            let moderated = EmpiricalBayes.moderate(contrasts, trend: true)
            let end = now()
            best = min(best, end - start)
            stages = [
                min(stages[0], fitted - start), min(stages[1], contrasted - fitted), min(stages[2], end - contrasted),
            ]
            checksum = moderated.t.reduce(0) { $0 + ($1.isFinite ? abs($1) : 0) }
        }
        print(
            String(
                format:
                    "PerturbStats (%d threads): %.3f s   (lmFit %.3f, contrasts.fit %.3f, eBayes %.3f; sum |t| %.6f)",
                settings.threads, best, stages[0], stages[1], stages[2], checksum))

        guard
            let peer = try runR(
                expression: expression, genes: genes, samples: samples, groups: groups, levels: levels,
                settings: settings)
        else {
            print("R peer: not run (\(settings.rscript) with limma not found)")
            return
        }
        print(String(format: "R limma %@: %.3f s   (sum |t| %.6f)", peer.version, peer.seconds, peer.checksum))
        print(String(format: "ratio: PerturbStats is %.1f× R", peer.seconds / best))
    }

    /// R's best time over the repeats for the same fit, its limma version and its checksum; nil without R.
    static func runR(
        expression: [Double], genes: Int, samples: Int, groups: [String], levels: [String], settings: Settings
    ) throws
        -> (seconds: Double, version: String, checksum: Double)?
    {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limma-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = ""
        for g in 0..<genes {
            text += (0..<samples).map { String(expression[g * samples + $0]) }.joined(separator: "\t") + "\n"
        }
        try text.write(to: dir.appendingPathComponent("y.tsv"), atomically: true, encoding: .utf8)
        try groups.joined(separator: "\n").write(
            to: dir.appendingPathComponent("groups.txt"), atomically: true, encoding: .utf8)
        try levels.joined(separator: "\n").write(
            to: dir.appendingPathComponent("levels.txt"), atomically: true, encoding: .utf8)
        let script = """
            suppressMessages(library(limma))
            y <- as.matrix(read.table("y.tsv", sep = "\\t")); lv <- readLines("levels.txt")
            g <- factor(readLines("groups.txt"), levels = lv); design <- model.matrix(~ 0 + g); colnames(design) <- lv
            cm <- makeContrasts(contrasts = paste0(setdiff(lv, "ctl"), " - ctl"), levels = design)
            best <- Inf
            for (i in seq_len(\(settings.repeats))) {
              t0 <- proc.time()[["elapsed"]]
              fit <- eBayes(contrasts.fit(lmFit(y, design), cm), trend = TRUE)
              best <- min(best, proc.time()[["elapsed"]] - t0)
            }
            cat(best, as.character(packageVersion("limma")), sum(abs(fit$t), na.rm = TRUE), "\\n")
            """
        guard let fields = RPeer.fields(rscript: settings.rscript, script: script, in: dir), fields.count >= 3,
            let seconds = Double(fields[0]), let checksum = Double(fields[2])
        else { return nil }
        return (seconds, String(fields[1]), checksum)
    }
}
