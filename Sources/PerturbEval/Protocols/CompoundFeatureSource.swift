import Foundation
import PerturbBase
import PerturbChem
import PerturbData
import PerturbIO
import PerturbModel

/// Where a compound representation for the OP3 predictor comes from: `none` (descriptor-free: a learned
/// per-compound embedding only), Morgan fingerprints of the compounds' SMILES, or an embedding file.
public enum CompoundFeatureSource: Equatable {
    case none
    case morgan(MorganOptions)
    /// `.h5ad` (X = compounds × dims, obs index = compound key, optional obs `canonical_smiles`/`smiles`/`name`), a
    /// delimited table (first column = compound key, SMILES or name; the other columns numbers), or an LPM run folder /
    /// `.safetensors` checkpoint (its compound embeddings, as `perturbridge embed` would export them).
    case file(URL)

    /// Parses `--features` entries: `none`, `morgan`, `NAME=none`, `NAME=morgan`, `NAME=PATH`.
    public static func parseList(
        _ items: [String], morgan: MorganOptions
    ) throws
        -> [(name: String, source: CompoundFeatureSource)]
    {
        var out: [(String, CompoundFeatureSource)] = []
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0], value = parts.count == 2 ? parts[1] : parts[0]
            switch value {
            case "none": out.append((name, .none))
            case "morgan": out.append((name, .morgan(morgan)))
            default:
                guard parts.count == 2 else {
                    throw InputError("--features: '\(item)' is neither none, morgan nor NAME=PATH")
                }
                out.append((name, .file(URL(fileURLWithPath: value))))
            }
        }
        let names = out.map(\.0)
        if Set(names).count != names.count {
            throw InputError("--features: names must be unique, got \(names.joined(separator: ", "))")
        }
        guard !out.isEmpty else { throw InputError("--features: give at least one feature set") }
        return out
    }

    /// The feature matrix for the task's compounds, or nil for `none`.
    public func matrix(
        name: String, compounds keys: [String], table: [String: Compound]
    ) throws -> CompoundFeatureMatrix? {
        switch self {
        case .none:
            return nil
        case .morgan(let options):
            let smiles = keys.map { table[$0]?.canonicalSmiles ?? "" }
            let present = smiles.indices.filter { !smiles[$0].isEmpty }
            let (fingerprints, _) = Morgan.batch(smiles: present.map { smiles[$0] }, options: options)
            var values = [Float](repeating: 0, count: keys.count * options.bits)
            var available = [Bool](repeating: false, count: keys.count)
            for (j, i) in present.enumerated() {
                guard let fp = fingerprints[j] else { continue }
                values.replaceSubrange((i * options.bits)..<((i + 1) * options.bits), with: fp.toFloats())
                available[i] = true
            }
            return CompoundFeatureMatrix(name: name, dim: options.bits, values: values, available: available)
        case .file(let url):
            let file = try EmbeddingFile.read(url)
            return file.matrix(name: name, compounds: keys, table: table)
        }
    }
}

/// Compound vectors read from a file, looked up by compound key, canonical SMILES or name.
public struct EmbeddingFile: Sendable {
    public var labels: [[String]]  // per row: key / SMILES / names it may match
    public var dim: Int
    public var values: [Float]

    /// Reads an `.h5ad` (X; obs index and the obs columns `key`, `canonical_smiles`, `smiles`, `name`, `aliases`;
    /// rows whose `datasets_seen` is empty are untrained and left unmatched), an LPM run folder or checkpoint, or a
    /// delimited table whose first column identifies the compound and whose other columns are numbers.
    public static func read(_ url: URL) throws -> EmbeddingFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError("\(url.path): embedding file not found")
        }
        if isDirectory.boolValue || url.pathExtension.lowercased() == "safetensors" {
            let table = CompoundEmbeddingTable(model: try LPMCheckpoint.load(url))
            // Rows no training data touched (empty `datasets_seen`) are untrained: left unmatched.
            let labels = table.keys.indices.map { i in
                table.datasetsSeen[i].isEmpty ? [] : [table.keys[i], table.smiles[i]]
            }
            return EmbeddingFile(labels: labels, dim: table.dim, values: table.matrix)
        }
        if url.pathExtension.lowercased() == "h5ad" {
            let reader = try H5ADReader(url: url)
            let x = try reader.readDense(layer: nil)
            if let bad = x.values.firstIndex(where: { !$0.isFinite }) {
                let r = bad / max(x.cols, 1)
                throw InputError(
                    "\(url.path): X row \(r) (compound '\(reader.obs.index[r])'), column \(bad % max(x.cols, 1)): non-finite value \(x.values[bad]) (NaN or infinity); fix or drop that compound"
                )
            }
            var labels = reader.obs.index.map { [$0] }
            for column in ["key", "canonical_smiles", "smiles", "name", "aliases"] {
                guard let c = reader.obs.column(column)?.stringValues() else { continue }
                for i in labels.indices { labels[i] += c[i].split(separator: "|").map(String.init) }
            }
            // `perturbridge embed` marks vocabulary compounds no training row touched (untrained rows): skip them.
            if let seen = reader.obs.column("datasets_seen")?.stringValues() {
                for i in labels.indices where seen[i].isEmpty { labels[i] = [] }
            }
            return EmbeddingFile(labels: labels, dim: x.cols, values: x.values)
        }
        let table = try DelimitedTable.read(url)
        guard table.header.count >= 2 else {
            throw InputError("\(url.path): needs an id column and at least one value column")
        }
        var values: [Float] = []
        for (r, row) in table.rows.enumerated() {
            for c in 1..<table.header.count {
                guard c < row.count, let v = Float(row[c]), v.isFinite else {
                    throw InputError(
                        "\(url.path): row \(r + 2), column '\(table.header[min(c, table.header.count - 1)])': not a finite number"
                    )
                }
                values.append(v)
            }
        }
        return EmbeddingFile(labels: table.rows.map { [$0[0]] }, dim: table.header.count - 1, values: values)
    }

    /// Rows for `keys` (zero + unavailable where no label matches the key, canonical SMILES or an alias).
    public func matrix(name: String, compounds keys: [String], table: [String: Compound]) -> CompoundFeatureMatrix {
        var byLabel: [String: Int] = [:]
        for (r, ls) in labels.enumerated() { for l in ls where !l.isEmpty && byLabel[l] == nil { byLabel[l] = r } }
        var out = [Float](repeating: 0, count: keys.count * dim)
        var available = [Bool](repeating: false, count: keys.count)
        for (i, key) in keys.enumerated() {
            let compound = table[key]
            let candidates = [key, compound?.canonicalSmiles ?? ""] + (compound?.aliases ?? [])
            guard let r = candidates.lazy.compactMap({ byLabel[$0] }).first else { continue }
            out.replaceSubrange((i * dim)..<((i + 1) * dim), with: vector(r))
            available[i] = true
        }
        return CompoundFeatureMatrix(name: name, dim: dim, values: out, available: available)
    }

    /// The vector of file row `r`.
    func vector(_ r: Int) -> ArraySlice<Float> { values[(r * dim)..<((r + 1) * dim)] }
}
