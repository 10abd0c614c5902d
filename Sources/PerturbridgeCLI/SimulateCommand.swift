import ArgumentParser
import Foundation
import PerturbBase
import PerturbData

/// `perturbridge simulate`: writes simulated effects datasets over real drug structures.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate condition-level effects of real drugs in several assays (the embedded demo data).",
        discussion: """
            Writes one effects .h5ad per dataset (L1000-like 978-gene panel with high noise and attenuation, bulk RNA-seq, \
            DRUG-seq, sci-Plex pseudobulk, OP3-like PBMC contexts), compounds.tsv and simulation.json. Effects derive from \
            Morgan fingerprints of real drugs through a shared latent space, so structure carries signal and datasets share \
            biology. The same seed gives identical files.

            With --manifest, simulates exactly the conditions of a condition table in the layout of the paper's \
            df_annot_split.tsv.gz (dataset, context, perturbation = PubChem CID, log_dose, time, split; gzip or plain):
            one effects .h5ad per dataset (rows measure per-context gene panels from one gene pool: the 978 landmarks \
            for LINCS, the reference's panel sizes for the others), split.tsv with the manifest's split and genes.tsv. \
            SMILES for CIDs come from --smiles-table (LINCS pertinfo). --fraction keeps a seeded share of the \
            molecules (all their conditions).

            Examples:
              perturbridge simulate --output demo-data --seed 13
              perturbridge simulate --output test-data --seed 1 --size small
              perturbridge simulate --manifest ../shared/data/chem-perturbridge-splits/df_annot_split.tsv.gz \\
                  --smiles-table ../shared/data/l1000-lincs-metadata/pertinfo.tsv.gz --output cpb-corpus --fraction 0.1
            """
    )

    @Option(help: "Output directory.") var output: String
    @Option(help: "Random seed.") var seed: UInt64 = 13
    @Option(
        help:
            "Preset size: small (tests), default (demo) or realistic (the default with assay distortions and p-value layers, for agreement)."
    ) var size: SimulatorSize = .default
    @Option(help: "Condition table (df_annot_split layout) to simulate exactly.") var manifest: String?
    @Option(help: "With --manifest: share of molecules kept (0 < F ≤ 1).") var fraction: Double = 1
    @Option(help: "With --manifest: LINCS pertinfo table (pubchem_cid → canonical_smiles).") var smilesTable: String?
    @Option(
        help:
            "With --manifest: panel size rule DATASET=SIZE, DATASET=MIN-MAX or DATASET=landmarks (name substring; repeatable, before the defaults)."
    )
    var panelSize: [String] = []
    @Option(help: "With --manifest: genes in the pool.") var genePool: Int = 43_500
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard fraction > 0 && fraction <= 1 else {
            throw ValidationError("--fraction must be in (0, 1], got \(fraction)")
        }
        if manifest == nil && (smilesTable != nil || !panelSize.isEmpty || fraction != 1) {
            throw ValidationError("--fraction, --smiles-table and --panel-size need --manifest")
        }
    }

    func run() throws {
        if let manifest { return try runManifest(URL(fileURLWithPath: manifest)) }
        let config = SimulatorConfig.preset(size)
        let start = Date()
        let result = try Simulator.simulate(config: config, seed: seed)
        let files = try Simulator.write(result, config: config, seed: seed, to: URL(fileURLWithPath: output))
        for (table, url) in zip(result.tables, files.effects) {
            print(
                "\(url.path)\t\(table.rowCount) conditions × \(table.geneCount) genes, \(table.usedCompoundKeys.count) compounds, \(table.contexts.count) contexts"
            )
        }
        print("\(files.compounds.path)\t\(result.compounds.count) compounds")
        ProgressReporter.log(String(format: "simulate: done in %.1f s", Date().timeIntervalSince(start)))
    }
}

extension Simulate {
    func runManifest(_ url: URL) throws {
        let start = Date()
        var config = ManifestSimulatorConfig()
        config.genePool = genePool
        config.panelRules = try panelSize.map { try PanelSizeRule(parsing: $0) } + config.panelRules
        var table = try ConditionManifest.read(url)
        let total = table.entries.count
        table = table.keepingFraction(fraction, seed: seed)
        let smiles = try smilesTable.map { try ManifestSimulator.smilesByCID(URL(fileURLWithPath: $0)) } ?? [:]
        if smilesTable == nil && runOptions.progress {
            ProgressReporter.log("simulate: no --smiles-table; every compound gets a structure-free latent")
        }
        let reporter = ProgressReporter(label: "simulate", unit: "values", enabled: runOptions.progress)
        let written = try ManifestSimulator.write(
            table, config: config, seed: seed, smilesByCID: smiles,
            to: URL(fileURLWithPath: output), threads: runOptions.resolvedThreads
        ) { done, all in
            reporter.total = all
            reporter.update(done: done)
        }
        reporter.finish(done: written.reduce(0) { $0 + $1.values })
        var union = Set<String>()
        for w in written {
            print(
                "\(w.file.path)\t\(w.conditions) conditions × \(w.genes.count) genes, panels \(w.panels.map(String.init).joined(separator: ","))"
            )
            union.formUnion(w.genes)
        }
        print("conditions\t\(table.entries.count) of \(total) (fraction \(fraction))")
        print("datasets\t\(written.count)")
        print("union_genes\t\(union.count)")
        print("values\t\(written.reduce(0) { $0 + $1.values })")
        ProgressReporter.log(String(format: "simulate: done in %.1f s", Date().timeIntervalSince(start)))
    }
}

extension SimulatorSize: ExpressibleByArgument {}
