import Foundation
import PerturbBase
import PerturbChem
import PerturbIO

/// Resolves the compound names/ids/SMILES a dataset uses to `Compound`s keyed by InChIKey.
///
/// Order: the row's own SMILES when given; else a name map (by id, then name, then lower-cased name), e.g. LINCS
/// `pertinfo.tsv.gz` (`pert_id`, `pert_iname`, `canonical_smiles`); else the compound is kept by name with key
/// `name:<name>` and no structure (counted in the report's notes, never dropped). An invalid SMILES is an error the
/// ingest reports as a skipped row ("invalid SMILES"). Identities are cached by SMILES.
public final class CompoundResolver {
    /// Why a compound could not be resolved.
    public enum Failure: Error, Equatable {
        case missingName
        case invalidSmiles(String, String)
    }

    private var smilesByName: [String: String]
    private var identityCache: [String: Result<CompoundIdentity, ChemError>] = [:]
    /// Every compound resolved so far, by key (aliases accumulate).
    public private(set) var compounds: [String: Compound] = [:]
    /// Names kept without a structure.
    public private(set) var unresolvedNames: Set<String> = []

    public init(smilesByName: [String: String] = [:]) {
        self.smilesByName = smilesByName
    }

    /// Resolves one compound occurrence; `names` are the dataset's names/ids for it (first = display name).
    public func resolve(names: [String], smiles: String?) -> Result<Compound, Failure> {
        let names = names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !MissingValue.isMissing($0) }
        var candidate = smiles?.trimmingCharacters(in: .whitespaces) ?? ""
        if MissingValue.isMissing(candidate) { candidate = "" }
        if candidate.isEmpty {
            for name in names {
                if let s = smilesByName[name] ?? smilesByName[name.lowercased()] ?? smilesByName[String(name.prefix(13))] { candidate = s; break }
            }
        }
        if candidate.isEmpty {
            guard let first = names.first else { return .failure(.missingName) }
            unresolvedNames.insert(first)
            return .success(register(Compound(key: Compound.nameKey(first), canonicalSmiles: "", aliases: names)))
        }
        let identity: Result<CompoundIdentity, ChemError>
        if let cached = identityCache[candidate] {
            identity = cached
        } else {
            do { identity = .success(try Chem.identity(smiles: candidate)) } catch let error as ChemError { identity = .failure(error) } catch {
                identity = .failure(ChemError(smiles: candidate, reason: "\(error)"))
            }
            identityCache[candidate] = identity
        }
        switch identity {
        case .success(let id):
            let key = id.inchiKey.isEmpty ? Compound.nameKey(names.first ?? id.canonicalSmiles) : id.inchiKey
            return .success(register(Compound(key: key, canonicalSmiles: id.canonicalSmiles, aliases: names)))
        case .failure(let error):
            return .failure(.invalidSmiles(candidate, error.reason))
        }
    }

    private func register(_ compound: Compound) -> Compound {
        if var existing = compounds[compound.key] {
            existing.addAliases(compound.aliases)
            compounds[compound.key] = existing
            return existing
        }
        compounds[compound.key] = compound
        return compound
    }

    /// Loads a name → SMILES map from a TSV/CSV (optionally gzip-compressed, read through zlib).
    /// LINCS `pertinfo` layout (`pert_id`, `pert_iname`, `canonical_smiles`) is recognized; otherwise the columns
    /// `name` and `smiles` (or `SMILES`/`canonical_smiles`) are used. Both id and name map to the SMILES.
    public static func loadNameMap(_ url: URL) throws -> [String: String] {
        let text = String(decoding: try TextFile.readBytes(url), as: UTF8.self)
        let inner = url.pathExtension == "gz" ? url.deletingPathExtension() : url
        let table = DelimitedTable(header: [], rows: DelimitedTable.parse(text, delimiter: DelimitedTable.delimiter(for: inner)))
        guard let header = table.rows.first else { throw InputError("\(url.path): empty name map") }
        let rows = table.rows.dropFirst()
        func index(_ names: [String]) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let smilesColumn = index(["canonical_smiles", "smiles", "SMILES"]) else {
            throw InputError("\(url.path): no SMILES column (expected canonical_smiles, smiles or SMILES); columns are \(header.joined(separator: ", "))")
        }
        let nameColumns = ["pert_id", "pert_iname", "name", "sm_name", "compound"].compactMap { header.firstIndex(of: $0) }
        guard !nameColumns.isEmpty else {
            throw InputError("\(url.path): no name column (expected pert_id/pert_iname, name, sm_name or compound)")
        }
        var map: [String: String] = [:]
        for row in rows where smilesColumn < row.count {
            let smiles = row[smilesColumn].trimmingCharacters(in: .whitespaces)
            guard !smiles.isEmpty, !MissingValue.isMissing(smiles) else { continue }
            for c in nameColumns where c < row.count && !row[c].isEmpty {
                if map[row[c]] == nil { map[row[c]] = smiles }
                let lower = row[c].lowercased()
                if map[lower] == nil { map[lower] = smiles }
            }
        }
        return map
    }
}
