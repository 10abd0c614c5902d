import Foundation
import PerturbBase
import PerturbChem
import PerturbIO

/// Compound embeddings as a table: obs = compounds (index = compound key; `inchikey`, `canonical_smiles`,
/// `datasets_seen` = training datasets, `|`-joined, `source` = `vocabulary` or `smiles`), X = `[compounds, D]`.
public struct CompoundEmbeddingTable {
    public var keys: [String]
    public var inchiKeys: [String]
    public var smiles: [String]
    public var datasetsSeen: [String]
    public var sources: [String]
    public var dim: Int
    public var matrix: [Float]

    /// Every vocabulary compound of `model` (Control excluded).
    public init(model: LPMModel) {
        let (keys, matrix, dim) = model.compoundEmbeddings()
        let v = model.vocabularies
        self.keys = keys
        inchiKeys = keys.map { CompoundEmbeddingTable.looksLikeInChIKey($0) ? $0 : "" }
        smiles = Array(v.compoundSmiles.dropFirst())
        datasetsSeen = v.compoundTrainingDatasets.dropFirst().map { $0.joined(separator: "|") }
        sources = Array(repeating: "vocabulary", count: keys.count)
        self.dim = dim
        self.matrix = matrix
    }

    /// Adds molecules from SMILES (inductive `fingerprint_mlp` models): keyed by InChIKey, canonical SMILES from
    /// RDKit. Throws a `ChemError` naming the row of an invalid SMILES.
    public mutating func append(smiles input: [String], model: LPMModel) throws {
        var identities: [CompoundIdentity] = []
        for (row, s) in input.enumerated() {
            do { identities.append(try Chem.identity(smiles: s)) } catch let e as ChemError { throw e.at(row: row) }
        }
        let vectors = try model.embed(smiles: identities.map(\.canonicalSmiles))
        let seen = Dictionary(keys.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for (i, id) in identities.enumerated() {
            keys.append(id.inchiKey)
            inchiKeys.append(id.inchiKey)
            smiles.append(id.canonicalSmiles)
            datasetsSeen.append(seen[id.inchiKey].map { datasetsSeen[$0] } ?? "")
            sources.append("smiles")
            matrix.append(contentsOf: vectors[(i * dim)..<((i + 1) * dim)])
        }
    }

    public var count: Int { keys.count }

    /// Writes `.h5ad` (through PerturbIO) or `.csv`/`.tsv` (key, inchikey, canonical_smiles, datasets_seen, source,
    /// e0…e{D−1}) by extension, atomically.
    public func write(to url: URL) throws {
        switch url.pathExtension.lowercased() {
        case "h5ad":
            var obs = DataFrame(index: keys)
            obs.set("inchikey", .strings(inchiKeys))
            obs.set("canonical_smiles", .strings(smiles))
            obs.set("datasets_seen", .strings(datasetsSeen))
            obs.set("source", .strings(sources))
            let variables = DataFrame(index: (0..<dim).map { "e\($0)" })
            let adata = AnnData(
                X: .dense(DenseMatrix(rows: count, cols: dim, values: matrix)), obs: obs, var: variables,
                uns: ["perturbridge": .group(["kind": .string("compound-embeddings")])])
            try H5ADWriter.write(adata, to: url)
        case "csv", "tsv":
            var table = DelimitedTable(
                header: ["key", "inchikey", "canonical_smiles", "datasets_seen", "source"] + (0..<dim).map { "e\($0)" })
            for i in 0..<count {
                table.rows.append(
                    [keys[i], inchiKeys[i], smiles[i], datasetsSeen[i], sources[i]]
                        + matrix[(i * dim)..<((i + 1) * dim)].map { String($0) })
            }
            try table.write(url)
        default:
            throw InputError("\(url.path): output must end in .h5ad, .csv or .tsv")
        }
    }

    /// InChIKey shape: 14 + '-' + 10 + '-' + 1 uppercase letters.
    static func looksLikeInChIKey(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 14 && parts[1].count == 10 && parts[2].count == 1
            && s.allSatisfy { $0 == "-" || ($0.isASCII && $0.isUppercase) }
    }
}
