import ArgumentParser
import Foundation
import PerturbBase
import PerturbData

/// `perturbridge simulate`: writes simulated effects datasets over real drug structures.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate condition-level effects of real drugs in several assays (the embedded demo data).",
        discussion: """
        Writes one effects .h5ad per dataset (L1000-like 978-gene panel with high noise and attenuation, bulk RNA-seq,
        DRUG-seq, sci-Plex pseudobulk, OP3-like PBMC contexts), compounds.tsv and simulation.json. Effects derive from
        Morgan fingerprints of real drugs through a shared latent space, so structure carries signal and datasets share
        biology. The same seed gives identical files.

        Example:
          perturbridge simulate --output demo-data --seed 13
          perturbridge simulate --output test-data --seed 1 --size small
        """
    )

    @Option(help: "Output directory.") var output: String
    @Option(help: "Random seed.") var seed: UInt64 = 13
    @Option(help: "Preset size: small (tests) or default (demo).") var size: SimulatorSize = .default

    func run() throws {
        let config = SimulatorConfig.preset(size)
        let start = Date()
        let result = try Simulator.simulate(config: config, seed: seed)
        let files = try Simulator.write(result, config: config, seed: seed, to: URL(fileURLWithPath: output))
        for (table, url) in zip(result.tables, files.effects) {
            print("\(url.path)\t\(table.rowCount) conditions × \(table.geneCount) genes, \(table.usedCompoundKeys.count) compounds, \(table.contexts.count) contexts")
        }
        print("\(files.compounds.path)\t\(result.compounds.count) compounds")
        ProgressReporter.log(String(format: "simulate: done in %.1f s", Date().timeIntervalSince(start)))
    }
}

extension SimulatorSize: ExpressibleByArgument {}
