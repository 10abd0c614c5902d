import ArgumentParser
import Foundation
import PerturbBase
import PerturbChem
import PerturbEval
import PerturbModel

/// `perturbridge embed`: writes the compound embeddings of a trained LPM.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write compound embeddings of a trained LPM (.h5ad or .csv/.tsv).",
        discussion: """
            obs = compound key (InChIKey when known), inchikey, canonical_smiles, datasets_seen (training datasets, \
            |-joined), source; X = the embedding (the compound table row, or the fingerprint encoder's output). With a \
            fingerprint_mlp or morgan_fixed checkpoint, --smiles adds molecules never seen in training (one SMILES per \
            line, or a CSV/TSV with a `smiles` column). --map also draws the embeddings' 2-D PCA map as SVG, coloured \
            by the datasets each compound was seen in during training, or by a column of --map-groups (a CSV/TSV whose \
            `key` column, else first column, holds compound keys; e.g. `simulate`'s compounds.tsv and its pathway).

            Examples:
              perturbridge embed --checkpoint checkpoints/all --output embeddings.h5ad \\
                  --map embeddings_map.svg
              perturbridge embed --checkpoint checkpoints/all --output embeddings.h5ad \\
                  --map pathways.svg --map-groups sim/compounds.tsv \\
                  --map-group-column pathway
              perturbridge embed --checkpoint checkpoints/fp --output new.csv \\
                  --smiles new_molecules.txt
            """
    )

    @Option(help: "Run folder (uses best.safetensors) or a checkpoint .safetensors file.") var checkpoint: String
    @Option(help: "Output .h5ad, .csv or .tsv.") var output: String
    @Option(help: "SMILES of extra molecules (fingerprint_mlp or morgan_fixed checkpoints only).") var smiles: String?
    @Option(help: "Also write a PCA map of the embeddings (.svg).") var map: String?
    @Option(help: "Colour the map by a column of this CSV/TSV (keyed by compound) instead of the datasets seen.")
    var mapGroups: String?
    @Option(help: "The --map-groups column to colour by.") var mapGroupColumn = "pathway"

    func run() throws {
        let model = try LPMCheckpoint.load(URL(fileURLWithPath: checkpoint))
        var table = CompoundEmbeddingTable(model: model)
        if let smiles {
            let entries = try Embed.readSmiles(URL(fileURLWithPath: smiles))
            do {
                try table.append(smiles: entries.map(\.smiles), model: model)
            } catch let error as ChemError where error.row != nil {
                throw InputError(
                    "\(smiles): line \(entries[error.row!].line): SMILES '\(error.smiles)': \(error.reason)")
            }
        }
        try table.write(to: URL(fileURLWithPath: output))
        print("\(output)\t\(table.count) compounds × \(table.dim) dims (\(model.config.compoundEncoder.rawValue))")
        if let map { try writeMap(table, to: URL(fileURLWithPath: map)) }
    }

    /// The PCA map of `table`, coloured by the datasets seen or by the --map-groups column.
    func writeMap(_ table: CompoundEmbeddingTable, to url: URL) throws {
        guard url.pathExtension.lowercased() == "svg" else { throw InputError("\(url.path): --map must end in .svg") }
        let labels: [String], legend: String
        if let mapGroups {
            let groups = try DelimitedTable.read(URL(fileURLWithPath: mapGroups))
            let keyColumn = groups.header.firstIndex(of: "key") ?? 0
            let valueColumn = try groups.columnIndex(mapGroupColumn, file: mapGroups)
            var byKey: [String: String] = [:]
            for row in groups.rows where row.count > max(keyColumn, valueColumn) {
                let value = row[valueColumn]
                byKey[row[keyColumn]] = ["", "NA", "nan"].contains(value) ? "" : value
            }
            labels = table.keys.map { byKey[$0] ?? "" }
            legend = mapGroupColumn
        } else {
            labels = table.datasetsSeen.map {
                $0.isEmpty ? "not seen in training" : $0.replacingOccurrences(of: "|", with: " + ")
            }
            legend = "datasets seen in training"
        }
        let embeddingMap = try EmbeddingMap(matrix: table.matrix, dim: table.dim, labels: labels)
        let run = URL(fileURLWithPath: checkpoint).lastPathComponent
        let title = "Compound embeddings of \(run): PCA, coloured by \(legend)"
        try AtomicFile.write(embeddingMap.figure(title: title).render(), to: url)
        print("\(url.path)\t\(table.count) compounds in \(embeddingMap.groups.count) colour groups")
    }

    /// One SMILES per line, or a delimited table with a `smiles` column; each with its 1-based line in the file.
    static func readSmiles(_ url: URL) throws -> [(line: Int, smiles: String)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw InputError("\(url.path): cannot read SMILES file")
        }
        let ext = url.pathExtension.lowercased()
        if ext == "csv" || ext == "tsv" {
            // Data row i is line i + 2 (after the header), assuming no quoted field spans lines.
            return try DelimitedTable.read(url).column("smiles", file: url.path).enumerated().map {
                ($0.offset + 2, $0.element)
            }
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { ($0.offset + 1, $0.element.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .filter { !$0.1.isEmpty }
    }
}
