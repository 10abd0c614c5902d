import ArgumentParser
import Foundation
import PerturbBase
import PerturbChem
import PerturbModel

/// `perturbridge embed`: writes the compound embeddings of a trained LPM.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write compound embeddings of a trained LPM (.h5ad or .csv/.tsv).",
        discussion: """
        obs = compound key (InChIKey when known), inchikey, canonical_smiles, datasets_seen (training datasets, \
        |-joined), source; X = the embedding (the compound table row, or the fingerprint encoder's output). With a \
        fingerprint_mlp or morgan_fixed checkpoint, --smiles adds molecules never seen in training (one SMILES per \
        line, or a CSV/TSV with a `smiles` column).

        Examples:
          perturbridge embed --checkpoint checkpoints/all --output embeddings.h5ad
          perturbridge embed --checkpoint checkpoints/fp --output new.csv --smiles new_molecules.txt
        """
    )

    @Option(help: "Run folder (uses best.safetensors) or a checkpoint .safetensors file.") var checkpoint: String
    @Option(help: "Output .h5ad, .csv or .tsv.") var output: String
    @Option(help: "SMILES of extra molecules (fingerprint_mlp or morgan_fixed checkpoints only).") var smiles: String?

    func run() throws {
        let model = try LPMCheckpoint.load(URL(fileURLWithPath: checkpoint))
        var table = CompoundEmbeddingTable(model: model)
        if let smiles {
            let entries = try Embed.readSmiles(URL(fileURLWithPath: smiles))
            do {
                try table.append(smiles: entries.map(\.smiles), model: model)
            } catch let error as ChemError where error.row != nil {
                throw InputError("\(smiles): line \(entries[error.row!].line): SMILES '\(error.smiles)': \(error.reason)")
            }
        }
        try table.write(to: URL(fileURLWithPath: output))
        print("\(output)\t\(table.count) compounds × \(table.dim) dims (\(model.config.compoundEncoder.rawValue))")
    }

    /// One SMILES per line, or a delimited table with a `smiles` column; each with its 1-based line in the file.
    static func readSmiles(_ url: URL) throws -> [(line: Int, smiles: String)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw InputError("\(url.path): cannot read SMILES file") }
        let ext = url.pathExtension.lowercased()
        if ext == "csv" || ext == "tsv" {
            // Data row i is line i + 2 (after the header), assuming no quoted field spans lines.
            return try DelimitedTable.read(url).column("smiles", file: url.path).enumerated().map { ($0.offset + 2, $0.element) }
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { ($0.offset + 1, $0.element.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .filter { !$0.1.isEmpty }
    }
}
