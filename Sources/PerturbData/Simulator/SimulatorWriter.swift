import Foundation
import PerturbBase

extension Simulator {
    /// Files written by `write(_:config:seed:to:)`.
    public struct WrittenFiles: Sendable {
        public var effects: [URL]
        public var compounds: URL
        public var latents: URL
        public var manifest: URL
    }

    /// Writes one effects `.h5ad` per dataset (`<dataset>.h5ad`), `compounds.tsv` (key, name, pathway, canonical
    /// SMILES, datasets), `compound_latents.tsv` (key, the true latent z_1 … z_K, efficacy, log10_ec50: an `oracle`
    /// feature table for `evaluate op3 --features oracle=FILE`) and `simulation.json` (seed, config, per-dataset
    /// sizes), all atomically.
    public static func write(
        _ output: Output, config: SimulatorConfig, seed: UInt64, to directory: URL
    ) throws -> WrittenFiles {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var effects: [URL] = []
        var datasetsOf: [String: [String]] = [:]
        for table in output.tables {
            let name = table.datasets.first ?? "dataset"
            let url = directory.appendingPathComponent("\(name).h5ad")
            try table.write(to: url)
            effects.append(url)
            for key in table.usedCompoundKeys { datasetsOf[key, default: []].append(name) }
        }
        var tsv = DelimitedTable(header: ["key", "name", "pathway", "canonical_smiles", "datasets"])
        for compound in output.compounds {
            let info = output.names[compound.key]
            tsv.rows.append([
                compound.key, info?.name ?? "", info?.pathway ?? "", compound.canonicalSmiles,
                (datasetsOf[compound.key] ?? []).joined(separator: ","),
            ])
        }
        let compoundsURL = directory.appendingPathComponent("compounds.tsv")
        try tsv.write(compoundsURL)
        let k = config.latentDimension
        var latentTable = DelimitedTable(header: ["key"] + (1...k).map { "z_\($0)" } + ["efficacy", "log10_ec50"])
        for compound in output.compounds {
            guard let values = output.latents[compound.key] else { continue }
            latentTable.rows.append([compound.key] + values.map { String(format: "%.9g", $0) })
        }
        let latentsURL = directory.appendingPathComponent("compound_latents.tsv")
        try latentTable.write(latentsURL, delimiter: "\t")
        struct Manifest: Codable {
            var seed: UInt64
            var config: SimulatorConfig
            var datasets: [String: [String: Int]]
        }
        var sizes: [String: [String: Int]] = [:]
        for table in output.tables {
            sizes[table.datasets.first ?? ""] = [
                "conditions": table.rowCount, "genes": table.geneCount,
                "compounds": table.usedCompoundKeys.count, "contexts": table.contexts.count,
            ]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifestURL = directory.appendingPathComponent("simulation.json")
        try AtomicFile.write(try encoder.encode(Manifest(seed: seed, config: config, datasets: sizes)), to: manifestURL)
        return WrittenFiles(effects: effects, compounds: compoundsURL, latents: latentsURL, manifest: manifestURL)
    }
}
