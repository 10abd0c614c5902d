import Foundation
import PerturbBase
import PerturbChem
import PerturbData

/// Conditions to predict with a model, read from a condition table (CSV/TSV with columns `dataset`, `context`,
/// `compound`, `dose_um`, `time_h`) or an effects `.h5ad` (its conditions), and checked against the model's
/// vocabularies: every error names the file and the line (table) or row (effects file).
///
/// A table's `compound` is a vocabulary key (InChIKey, or PubChem CID on a CID-keyed corpus), or a SMILES, matched
/// to the vocabulary by InChIKey or canonical SMILES; a molecule outside it needs a model that embeds new molecules
/// (`fingerprint_mlp`, `morgan_fixed`). `dose_um` and `time_h` are numbers, empty or `NA` when missing.
public struct PredictionRequests {
    /// The conditions, compound keys resolved.
    public var conditions: [Condition]
    /// The compound as given: the table's text, or the effects file's keys `|`-joined.
    public var compoundLabels: [String]
    /// Structures of the compounds outside the vocabulary, by key.
    public var newCompounds: [String: Compound] = [:]

    /// Reads `url` (`.h5ad` = effects file, else a delimited table) for `model`.
    public static func read(_ url: URL, model: LPMModel) throws -> PredictionRequests {
        url.pathExtension.lowercased() == "h5ad" ? try effects(url, model: model) : try table(url, model: model)
    }

    /// Predicted logFC, row-major `conditions × model genes`.
    public func predict(_ model: LPMModel) throws -> [Float] {
        try model.predict(conditions: conditions, compounds: newCompounds, genes: model.vocabularies.genes)
    }

    private static func table(_ url: URL, model: LPMModel) throws -> PredictionRequests {
        let table = try DelimitedTable.read(url)
        let columns = try ["dataset", "context", "compound", "dose_um", "time_h"].map {
            try table.columnIndex($0, file: url.path)
        }
        guard !table.rows.isEmpty else { throw InputError("\(url.path): the condition table has no rows") }
        let v = model.vocabularies
        let datasets = Set(v.datasets), contexts = Set(v.contexts)
        let keys = Set(v.compounds.dropFirst())
        let keyBySmiles = Dictionary(
            zip(v.compoundSmiles, v.compounds).filter { !$0.0.isEmpty }, uniquingKeysWith: { a, _ in a })
        var requests = PredictionRequests(conditions: [], compoundLabels: [])
        for (i, row) in table.rows.enumerated() {
            let line = "\(url.path): line \(i + 2)"  // data row i follows the header line
            let field = columns.map { $0 < row.count ? row[$0].trimmingCharacters(in: .whitespaces) : "" }
            let (dataset, context, compound) = (field[0], field[1], field[2])
            guard datasets.contains(dataset) else {
                throw InputError(
                    "\(line): dataset '\(dataset)' is not in the model's vocabulary (\(v.datasets.joined(separator: ", ")))"
                )
            }
            guard contexts.contains(context) else {
                throw InputError(
                    "\(line): context '\(context)' is not in the model's vocabulary (\(v.contexts.count) contexts, e.g. \(v.contexts.prefix(5).joined(separator: ", ")))"
                )
            }
            func number(_ text: String, _ column: String) throws -> Double? {
                if text.isEmpty || text.uppercased() == "NA" { return nil }
                guard let x = Double(text), x.isFinite else {
                    throw InputError("\(line): \(column) '\(text)' is not a number")
                }
                return x
            }
            let dose = try number(field[3], "dose_um"), time = try number(field[4], "time_h")
            let key: String
            if compound.isEmpty {
                throw InputError("\(line): compound is empty (give a vocabulary key, a PubChem CID or a SMILES)")
            } else if keys.contains(compound) {
                key = compound
            } else if let cid = Compound.normalizedCID(compound), keys.contains(cid) {
                key = cid
            } else if let identity = try? Chem.identity(smiles: compound) {
                if keys.contains(identity.inchiKey) {
                    key = identity.inchiKey
                } else if let known = keyBySmiles[identity.canonicalSmiles] {
                    key = known
                } else if model.embedsNewMolecules {
                    key = identity.inchiKey
                    requests.newCompounds[key] = Compound(
                        key: key, canonicalSmiles: identity.canonicalSmiles, aliases: [compound])
                } else {
                    throw InputError(
                        "\(line): compound '\(compound)' (InChIKey \(identity.inchiKey)) was not seen in training, and a \(model.config.compoundEncoder.rawValue) model has no embedding for it; use a fingerprint_mlp or morgan_fixed checkpoint"
                    )
                }
            } else {
                throw InputError(
                    "\(line): compound '\(compound)' is not in the model's vocabulary and is not a valid SMILES (give a vocabulary key, a PubChem CID the vocabulary uses, or a SMILES)"
                )
            }
            requests.conditions.append(
                Condition(dataset: dataset, context: context, compounds: [key], doseMicromolar: dose, timeHours: time))
            requests.compoundLabels.append(compound)
        }
        return requests
    }

    private static func effects(_ url: URL, model: LPMModel) throws -> PredictionRequests {
        let source = try EffectsReader(url: url)
        let index = model.index
        var requests = PredictionRequests(
            conditions: source.conditions, compoundLabels: source.conditions.map { $0.compounds.joined(separator: "|") }
        )
        for (row, condition) in source.conditions.enumerated() {
            let at = "\(url.path): row \(row) (\(condition.id))"
            guard index.datasets[condition.dataset] != nil else {
                throw InputError("\(at): dataset '\(condition.dataset)' is not in the model's vocabulary")
            }
            guard index.contexts[condition.context] != nil else {
                throw InputError("\(at): context '\(condition.context)' is not in the model's vocabulary")
            }
            for key in condition.compounds where index.compounds[key] == nil {
                guard model.embedsNewMolecules, let compound = source.compounds[key], !compound.canonicalSmiles.isEmpty
                else {
                    throw InputError(
                        "\(at): compound '\(key)' is not in the model's vocabulary\(model.embedsNewMolecules ? " and has no SMILES" : "; only a fingerprint_mlp or morgan_fixed model embeds new molecules")"
                    )
                }
                requests.newCompounds[key] = compound
            }
        }
        return requests
    }
}
