import ArgumentParser
import Foundation
import PerturbBase
import PerturbModel

/// `perturbridge demo`: the main job on the embedded simulator, end to end, with no download.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline on simulated data: simulate → fingerprints → pretrain → evaluate → report.",
        discussion: """
            Every stage is one of the documented commands, run in-process with the arguments \
            REPORT.md lists, so each can be re-run or changed by hand:
              1. simulate: five assays over real drugs (L1000-, bulk-, DRUG-seq-,
                 sci-Plex- and OP3-like)
              2. fingerprint: Morgan bits (radius 2, 2048) of every simulated compound
              3. pretrain: the LPM (multi-output) on all datasets except the OP3-like
                 one, and on the L1000-like dataset only; embed exports both tables
                 and draws their PCA maps (by pathway, by datasets seen)
              4. evaluate holdout: molecule holdout across datasets (all-datasets,
                 fine-tune with frozen molecules, scratch, Morgan fixed / learned
                 families, several seeds) beside the trivial baselines
              5. evaluate op3: OP3-style compound-held-out protocol on the OP3-like
                 data with LPM embeddings (all / L1000 only), Morgan bits, no
                 descriptor and the trivial baselines
              6. agreement: cross-dataset agreement of matched conditions against
                 baselines
            Results: OUTPUT/REPORT.html (one self-contained page: tables, commands and every figure \
            inline — training curves, embedding maps, bar charts, predicted vs observed, heatmaps), \
            the same as OUTPUT/REPORT.md with links to the SVG files, and one folder per stage. \
            A finished stage is skipped when the demo is run again on the same folder, so an \
            interrupted demo continues where it stopped.

            Examples:
              perturbridge demo --output checkpoints/demo
              perturbridge demo --output /tmp/demo-small --size small --quick
            """
    )

    @Option(help: "Output folder (created).") var output = "checkpoints/demo"
    @Option(help: "Seed of the simulator and of the pretraining runs.") var seed: UInt64 = 13
    @Option(help: "Simulator size: small or default.") var size = "default"
    @Option(help: "Epochs of every LPM run.") var epochs: Int?
    @Option(help: "Seeds of the molecule-holdout families (comma-separated).") var holdoutSeeds: String?
    @Option(help: "Seeds of the OP3 predictor (comma-separated).") var op3Seeds: String?
    @Option(help: "Threads (0 = all cores).") var threads = 0
    @Flag(help: "A reduced run (few epochs, seeds and families) for tests and a first look.") var quick = false

    func validate() throws {
        guard ["small", "default"].contains(size) else {
            throw ValidationError("--size must be small or default, got '\(size)'")
        }
        if let epochs { guard epochs >= 1 else { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") } }
        guard threads >= 0 else { throw ValidationError("--threads must be ≥ 0") }
    }

    func run() throws {
        let plan = DemoPlan(
            output: URL(fileURLWithPath: output), seed: seed, size: size, quick: quick,
            epochs: epochs, holdoutSeeds: holdoutSeeds, op3Seeds: op3Seeds, threads: threads)
        try plan.run()
    }
}
