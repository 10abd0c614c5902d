import ArgumentParser
import Foundation
import PerturbBase
import PerturbModel

/// The demo's stages: each is a documented subcommand with its arguments, run in-process; a stage whose
/// marker file exists is skipped so an interrupted demo continues. Every marker is the file its stage writes last
/// (a training run's `finished.json`, a report's summary), and the training stages `--resume`, so a stage killed
/// half-way is run again, continuing where it stopped.
struct DemoPlan {
    let output: URL
    let seed: UInt64
    let size: String
    let quick: Bool
    let epochs: Int?
    let holdoutSeeds: String?
    let op3Seeds: String?
    let threads: Int

    /// One stage: a name, the command line (without `perturbridge`), the file whose existence means "done",
    /// and the report folder (relative to the output) whose Markdown and SVGs go into REPORT.md and REPORT.html.
    struct Stage {
        var name: String
        var arguments: [String]
        var done: String
        var reportFolder: String?
    }

    private func path(_ relative: String) -> String { output.appendingPathComponent(relative).path }

    /// The simulated datasets, in the simulator's order.
    private var datasets: [String] {
        size == "small"
            ? ["sim_l1000", "sim_bulk_rnaseq", "sim_op3"]
            : ["sim_l1000", "sim_bulk_rnaseq", "sim_drugseq", "sim_sciplex", "sim_op3"]
    }

    private var lpmEpochs: Int { epochs ?? (quick ? 4 : 20) }

    /// The LPM settings of every run: the reference model (seed spec §3.2) with a batch suited to a few thousand
    /// conditions (the reference's 4096 would give one step per epoch here) and time fed in days.
    private func lpmConfig() -> LPMConfig {
        var config = LPMConfig()
        config.outputMode = .multiout
        config.batchSize = quick ? 64 : 128
        config.maxEpochs = lpmEpochs
        config.seed = seed
        config.threads = threads
        config.checkpointEvery = 1
        config.timeScaleHours = 24  // time in days: raw hours swamp the input on this data (see LPMConfig)
        return config
    }

    func stages() -> [Stage] {
        let effects = datasets.map { path("data/\($0).h5ad") }
        let pretrainSources = datasets.filter { $0 != "sim_op3" }
        let threadArgs = ["--threads", String(threads)]
        let families = quick ? "all_datasets,scratch_target_only,morgan_fixed" : "all"
        let hSeeds = holdoutSeeds ?? (quick ? "13" : "13,17,19")
        let oSeeds = op3Seeds ?? (quick ? "0" : "0,1,2")
        let holdoutTargets = quick ? "sim_l1000,sim_op3" : "sim_l1000,sim_sciplex,sim_op3"
        return [
            Stage(
                name: "simulate",
                arguments: ["simulate", "--output", path("data"), "--seed", String(seed), "--size", size],
                done: "data/simulation.json", reportFolder: nil),
            Stage(
                name: "fingerprint",
                arguments: [
                    "fingerprint", "--input", path("data/compounds.tsv"), "--smiles-column", "canonical_smiles",
                    "--id-column", "key", "--radius", "2", "--bits", "2048",
                    "--output", path("fingerprints.h5ad"), "--quiet",
                ],
                done: "fingerprints.h5ad", reportFolder: nil),
            Stage(
                name: "pretrain (all datasets but the OP3-like one)",
                arguments: ["pretrain", "--config", path("config/lpm.json"), "--effects"] + effects
                    + [
                        "--datasets", pretrainSources.joined(separator: ","), "--output", path("pretrain/all"),
                        "--resume",
                    ] + threadArgs,
                done: "pretrain/all/finished.json", reportFolder: nil),
            Stage(
                name: "pretrain (L1000-like only)",
                arguments: ["pretrain", "--config", path("config/lpm.json"), "--effects"] + effects
                    + ["--datasets", "sim_l1000", "--output", path("pretrain/l1000"), "--resume"] + threadArgs,
                done: "pretrain/l1000/finished.json", reportFolder: nil),
            Stage(
                name: "embed (all)",
                arguments: [
                    "embed", "--checkpoint", path("pretrain/all"),
                    "--output", path("embeddings/lpm_all.h5ad"), "--map", path(DemoReport.maps[0]),
                    "--map-groups", path("data/compounds.tsv"), "--map-group-column", "pathway",
                ],
                done: "embeddings/lpm_all.h5ad", reportFolder: nil),
            Stage(
                name: "embed (L1000)",
                arguments: [
                    "embed", "--checkpoint", path("pretrain/l1000"),
                    "--output", path("embeddings/lpm_l1000.h5ad"), "--map", path(DemoReport.maps[1]),
                ],
                done: "embeddings/lpm_l1000.h5ad", reportFolder: nil),
            Stage(
                name: "evaluate holdout",
                arguments: ["evaluate", "holdout", "--effects"] + effects
                    + [
                        "--config", path("config/lpm.json"), "--families", families, "--seeds", hSeeds,
                        "--datasets", holdoutTargets, "--epochs", String(lpmEpochs), "--output", path("holdout"),
                    ] + threadArgs,
                done: "holdout/holdout_summary.md", reportFolder: "holdout"),
            Stage(
                name: "evaluate op3",
                arguments: [
                    "evaluate", "op3", "--effects", path("data/sim_op3.h5ad"), "--layer", "logFC",
                    "--features",
                    "lpm_all=\(path("embeddings/lpm_all.h5ad")),lpm_l1000=\(path("embeddings/lpm_l1000.h5ad")),morgan,none",
                    "--seeds", oSeeds, "--epochs", quick ? "20" : "80", "--bootstrap", quick ? "200" : "2000",
                    "--output", path("op3"),
                ] + threadArgs,
                done: "op3/op3_summary.md", reportFolder: "op3"),
            // The reference's bootstrap (2000 draws, seed 20260505); the small simulation's datasets share no cell
            // type, so there it matches on dose and time only.
            Stage(
                name: "agreement",
                arguments: ["agreement", "--effects"] + effects.filter { !$0.hasSuffix("sim_op3.h5ad") }
                    + (size == "small" ? ["--match", "dose,time"] : [])
                    + ["--output", path("agreement"), "--bootstrap", quick ? "200" : "2000", "--quiet"],
                done: "agreement/report.md", reportFolder: "agreement"),
        ]
    }

    func run() throws {
        let start = Date()
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let configURL = output.appendingPathComponent("config/lpm.json")
        try AtomicFile.write(try lpmConfig().jsonData(), to: configURL)
        var timings: [Double?] = []
        let all = stages()
        for (index, stage) in all.enumerated() {
            let marker = output.appendingPathComponent(stage.done)
            if FileManager.default.fileExists(atPath: marker.path) {
                ProgressReporter.log("[demo \(index + 1)/\(all.count)] \(stage.name): done earlier, skipped")
                timings.append(nil)
                continue
            }
            ProgressReporter.log(
                "[demo \(index + 1)/\(all.count)] \(stage.name): perturbridge \(stage.arguments.joined(separator: " "))"
            )
            let stageStart = Date()
            var command = try Perturbridge.parseAsRoot(stage.arguments)
            try Invocation.$stageArguments.withValue(stage.arguments) { try command.run() }
            let seconds = Date().timeIntervalSince(stageStart)
            timings.append(seconds)
            ProgressReporter.log("[demo \(index + 1)/\(all.count)] \(stage.name): \(String(format: "%.1f", seconds)) s")
        }
        let total = Date().timeIntervalSince(start)
        let report = DemoReport(output: output, stages: all, timings: timings, totalSeconds: total, plan: self)
        let (markdown, page) = try report.write()
        print("demo finished in \(String(format: "%.0f", total)) s; report: \(page.path) (Markdown: \(markdown.path))")
    }

    var describedSettings: [String] {
        [
            "simulator size \(size), seed \(seed)",
            "LPM: multi-output, reference architecture (6·128 → 2×256 → genes), "
                + "batch \(lpmConfig().batchSize), \(lpmEpochs) epochs",
            quick ? "quick mode (reduced families and seeds)" : "full demo",
        ]
    }
}
