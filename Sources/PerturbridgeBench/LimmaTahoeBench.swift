import ArgumentParser
import Foundation
import PerturbBase
import PerturbStats

/// `perturbridge-bench limma-tahoe`: a fit the size of one Tahoe-100M cell line — by default 1,137 treated conditions
/// (379 drugs × 3 doses) × 2 replicates spread over 12 plates with 8 DMSO wells each (2,370 samples, 1,149
/// coefficients, 1,137 contrasts of a condition against the controls of its plates) × 20,000 genes of simulated log
/// expression — fitted with `lmFit` → `contrasts.fit` → `eBayes(trend = TRUE)` three ways, each in its own process
/// so that each peak RSS is its own: `StreamingLimma` (genes in blocks; the input is generated block by block, never
/// held whole), the one-shot PerturbStats calls on the whole matrix, and R's limma on the same numbers (read from a
/// binary file; its time excludes reading). Prints seconds, peak RSS and the largest difference of t to the one-shot
/// fit.
enum LimmaTahoeBench {
    struct Settings: ParsableArguments {
        @Option(help: "Treated conditions.") var conditions = 1137
        @Option(help: "Replicates per condition (on different plates).") var replicates = 2
        @Option(help: "Plates.") var plates = 12
        @Option(name: .customLong("controls-per-plate"), help: "DMSO wells per plate.") var controlsPerPlate = 8
        @Option(help: "Genes.") var genes = 20_000
        @Option(help: "Genes per block of the streamed fit.") var block = 1024
        @Option(help: "Threads.") var threads = Parallel.threadCount
        @Option(help: "Rscript with limma for the peer.") var rscript = "Rscript"
        @Flag(name: .customLong("no-peer"), help: "Skip R's limma.") var skipPeer = false
        @Option(help: .hidden) var mode: String?
        @Option(help: .hidden) var dump: String?

        func validate() throws {
            try requirePositive([
                "--conditions": conditions, "--replicates": replicates, "--plates": plates,
                "--controls-per-plate": controlsPerPlate, "--genes": genes, "--block": block, "--threads": threads,
            ])
            guard replicates <= plates else {
                throw ValidationError(
                    "--replicates (\(replicates)) must not exceed --plates (\(plates)): replicates sit on different plates"
                )
            }
        }
    }

    /// The experiment's layout: per sample its level (condition or plate control) and plate.
    struct Layout {
        var levels: [String] = []
        var sampleLevel: [Int] = []
        var samplePlate: [Int] = []
        var treatment: [Int?] = []
        var contrasts: [(name: String, weights: [String: Double])] = []
        var platesOf: [[Int]] = []

        init(_ s: Settings) {
            levels = (0..<s.conditions).map { "c\($0)" } + (0..<s.plates).map { "ctl\($0)" }
            for c in 0..<s.conditions {
                let own = (0..<s.replicates).map { (c * 5 + $0) % s.plates }
                platesOf.append(own)
                for plate in own { sampleLevel.append(c); samplePlate.append(plate); treatment.append(c) }
                var w = ["c\(c)": 1.0]
                for plate in Set(own) { w["ctl\(plate)", default: 0] -= 1 / Double(Set(own).count) }
                contrasts.append(("c\(c)", w))
            }
            for plate in 0..<s.plates {
                for _ in 0..<s.controlsPerPlate {
                    sampleLevel.append(s.conditions + plate); samplePlate.append(plate); treatment.append(nil)
                }
            }
        }

        var samples: Int { sampleLevel.count }
        var design: DesignMatrix { DesignMatrix.groups(sampleLevel.map { levels[$0] }, levels: levels) }

        /// Log expression of genes `range` (genes × samples): gene baseline and noise level, plate offsets, and
        /// for every 20th gene a treatment effect; one seeded stream per gene, so any block is reproducible alone.
        func expression(_ range: Range<Int>) -> [Double] {
            let n = samples
            var out = [Double](repeating: 0, count: range.count * n)
            for (k, g) in range.enumerated() {
                var rng = SeededRNG.derived(seed: 2026, label: "gene:\(g)")
                let base = 4 + 8 * rng.nextDouble(), noise = 0.15 + 0.35 * rng.nextDouble()
                let plateShift = (0..<(samplePlate.max()! + 1)).map { _ in 0.1 * rng.nextGaussian() }
                for i in 0..<n {
                    var v = base + plateShift[samplePlate[i]] + noise * rng.nextGaussian()
                    if g % 20 == 0, let c = treatment[i] { v += Double(c % 7 - 3) * 0.25 }
                    out[k * n + i] = v
                }
            }
            return out
        }
    }

    static func run(_ settings: Settings) throws {
        setenv("PERTURBRIDGE_THREADS", "\(settings.threads)", 1)
        if let mode = settings.mode { return try runChild(mode: mode, settings) }
        let layout = Layout(settings)
        print(
            "limma-tahoe bench: \(settings.genes) genes × \(layout.samples) samples, \(layout.levels.count) coefficients, "
                + "\(settings.conditions) contrasts; \(settings.threads) threads")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limma-tahoe-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stream = try child(["--mode", "stream"], settings)
        let whole = try child(["--mode", "whole"] + (settings.skipPeer ? [] : ["--dump", dir.path]), settings)
        func line(_ name: String, _ r: [String: Double]) -> String {
            String(
                format: "%@: %.2f s, peak RSS %.0f MiB, sum |t| %.6f", name, r["seconds"] ?? .nan, r["peakMB"] ?? .nan,
                r["checksum"] ?? .nan)
        }
        print(line("PerturbStats streamed (blocks of \(settings.block) genes)", stream))
        print(line("PerturbStats one-shot", whole))
        print(String(format: "streamed vs one-shot: largest |Δt| / max(1, |t|) %.2e", stream["maxDifference"] ?? .nan))
        guard !settings.skipPeer else { return }
        guard let peer = try runR(layout: layout, settings: settings, dir: dir) else {
            print("R peer: not run (\(settings.rscript) with limma not found)")
            return
        }
        print(
            String(
                format: "R limma %@: %.2f s, peak RSS %.0f MiB, sum |t| %.6f", peer.version, peer.seconds, peer.peakMB,
                peer.checksum))
        print(
            String(
                format: "ratio: streamed PerturbStats is %.1f× R's speed at %.2f× its peak memory",
                peer.seconds / (stream["seconds"] ?? .nan), (stream["peakMB"] ?? .nan) / peer.peakMB))
    }

    /// Runs this bench in `mode` in a child process and decodes the JSON object it prints.
    static func child(_ arguments: [String], _ s: Settings) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        process.arguments =
            [
                "limma-tahoe", "--conditions", "\(s.conditions)", "--replicates", "\(s.replicates)", "--plates",
                "\(s.plates)",
                "--controls-per-plate", "\(s.controlsPerPlate)", "--genes", "\(s.genes)", "--block", "\(s.block)",
                "--threads", "\(s.threads)",
            ] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Double]
        else {
            throw InputError("limma-tahoe bench: the \(arguments[1]) run failed (exit \(process.terminationStatus))")
        }
        return json
    }

    /// One fit in this process: `stream` (blocks, input generated per block) or `whole` (the whole matrix at once,
    /// optionally written for R as float64, sample-major); prints seconds, peak RSS and sum |t| as JSON.
    static func runChild(mode: String, _ s: Settings) throws {
        let layout = Layout(s)
        let design = layout.design, n = layout.samples
        var seconds = 0.0, moderated: EmpiricalBayes.Result
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        var maxDifference = Double.nan  // stream mode only
        switch mode {
        case "stream":
            var stream = try StreamingLimma(design: design, contrasts: layout.contrasts, expectedGenes: s.genes)
            for start in stride(from: 0, to: s.genes, by: s.block) {
                let block = layout.expression(start..<min(s.genes, start + s.block))
                let t0 = now()
                try stream.add(expression: block, genes: block.count / n)
                seconds += now() - t0
            }
            let t0 = now()
            moderated = EmpiricalBayes.moderate(stream.fit, trend: true)
            seconds += now() - t0
            // Accuracy check: the unmoderated t (estimate / stdev.unscaled) of the first two blocks fitted in one call.
            let check = Array(0..<min(s.genes, 2 * s.block))
            maxDifference = 0
            let k = layout.contrasts.count
            let sub = Contrasts.fit(
                try LinearModel.fit(expression: layout.expression(0..<check.count), genes: check.count, design: design),
                contrasts: layout.contrasts)
            let all = stream.fit
            for i in 0..<(check.count * k) {
                let a = sub.coefficients[i] / sub.stdevUnscaled[i], b = all.coefficients[i] / all.stdevUnscaled[i]
                if a.isFinite && b.isFinite { maxDifference = max(maxDifference, abs(a - b) / max(1, abs(a))) }
            }
        case "whole":
            let expression = layout.expression(0..<s.genes)
            if let dump = s.dump {
                var sampleMajor = [Double](repeating: 0, count: expression.count)
                for g in 0..<s.genes { for i in 0..<n { sampleMajor[i * s.genes + g] = expression[g * n + i] } }
                try sampleMajor.withUnsafeBytes {
                    try Data($0).write(to: URL(fileURLWithPath: dump).appendingPathComponent("y.f64"))
                }
            }
            let t0 = now()
            moderated = EmpiricalBayes.moderate(
                Contrasts.fit(
                    try LinearModel.fit(expression: expression, genes: s.genes, design: design),
                    contrasts: layout.contrasts), trend: true)
            seconds = now() - t0
        default:
            throw InputError("limma-tahoe bench: unknown --mode \(mode)")
        }
        let checksum = moderated.t.reduce(0) { $0 + ($1.isFinite ? abs($1) : 0) }
        var json: [String: Double] = ["seconds": seconds, "peakMB": PeakMemory.residentMB, "checksum": checksum]
        if maxDifference.isFinite { json["maxDifference"] = maxDifference }
        print(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
    }

    /// R's limma on the dumped matrix: seconds of lmFit + contrasts.fit + eBayes(trend), its version, sum |t| and
    /// its peak RSS (VmHWM); nil without R and limma.
    static func runR(
        layout: Layout, settings s: Settings, dir: URL
    ) throws -> (seconds: Double, version: String, checksum: Double, peakMB: Double)? {
        try layout.sampleLevel.map { layout.levels[$0] }.joined(separator: "\n").write(
            to: dir.appendingPathComponent("groups.txt"), atomically: true, encoding: .utf8)
        try layout.levels.joined(separator: "\n").write(
            to: dir.appendingPathComponent("levels.txt"), atomically: true, encoding: .utf8)
        let contrastLines = layout.contrasts.map { c in
            c.weights.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        try contrastLines.joined(separator: "\n").write(
            to: dir.appendingPathComponent("contrasts.txt"), atomically: true, encoding: .utf8)
        let script = """
            suppressMessages(library(limma))
            lv <- readLines("levels.txt"); g <- factor(readLines("groups.txt"), levels = lv)
            y <- matrix(readBin("y.f64", "double", n = \(s.genes) * length(g)), nrow = \(s.genes))
            design <- model.matrix(~ 0 + g); colnames(design) <- lv
            cl <- strsplit(readLines("contrasts.txt"), ",")
            cm <- matrix(0, length(lv), length(cl), dimnames = list(lv, NULL))
            for (k in seq_along(cl)) for (term in cl[[k]]) { kv <- strsplit(term, "=")[[1]]; cm[kv[1], k] <- as.numeric(kv[2]) }
            t0 <- proc.time()[["elapsed"]]
            fit <- eBayes(contrasts.fit(lmFit(y, design), cm), trend = TRUE)
            hwm <- as.numeric(gsub("[^0-9]", "", grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)))
            cat(proc.time()[["elapsed"]] - t0, as.character(packageVersion("limma")), sprintf("%.6f", sum(abs(fit$t), na.rm = TRUE)), hwm / 1024, "\\n")
            """
        guard let fields = RPeer.fields(rscript: s.rscript, script: script, in: dir), fields.count >= 4,
            let seconds = Double(fields[0]), let checksum = Double(fields[2]), let peak = Double(fields[3])
        else { return nil }
        return (seconds, String(fields[1]), checksum, peak)
    }
}
