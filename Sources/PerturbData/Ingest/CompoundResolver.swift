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
///
/// The PubChem CID comes from the row (e.g. CPB `pubchem_cid`) when given, else from `cidByName` by name or by the
/// SMILES as written (a `--cid-map`, or pertinfo's `pubchem_cid`). A compound keeps the first CID seen for it.
public final class CompoundResolver {
    /// Why a compound could not be resolved.
    public enum Failure: Error, Equatable {
        case missingName
        case invalidSmiles(String, String)
    }

    private var smilesByName: [String: String]
    private var cidByName: [String: String]
    private let stripSalts: Bool
    private var identityCache: [String: Result<CompoundIdentity, ChemError>] = [:]
    /// Every compound resolved so far, by key (aliases accumulate).
    public private(set) var compounds: [String: Compound] = [:]
    /// Names kept without a structure.
    public private(set) var unresolvedNames: Set<String> = []

    /// Obs/table columns that hold a PubChem CID.
    public static let cidColumnNames = ["pubchem_cid", "PubChem_CID", "cid", "CID"]

    /// `stripSalts: false` keeps the molecule as written (key, canonical SMILES and so Morgan bits of the whole
    /// SMILES, as the reference fingerprints it); the default keeps the largest fragment (parent compound).
    public init(smilesByName: [String: String] = [:], cidByName: [String: String] = [:], stripSalts: Bool = true) {
        self.smilesByName = smilesByName
        self.cidByName = cidByName
        self.stripSalts = stripSalts
    }

    /// Resolves one compound occurrence; `names` are the dataset's names/ids for it (first = display name), `cid`
    /// the row's PubChem CID when the dataset gives one.
    public func resolve(names: [String], smiles: String?, cid: String? = nil) -> Result<Compound, Failure> {
        let resolved = resolveStructure(names: names, smiles: smiles)
        guard case .success(var compound) = resolved else { return resolved }
        let given = smiles?.trimmingCharacters(in: .whitespaces) ?? ""
        let found =
            cid.flatMap(Compound.normalizedCID)
            ?? names.lazy.compactMap { self.cidByName[$0] ?? self.cidByName[$0.lowercased()] }.first
            ?? (given.isEmpty ? nil : cidByName[given])
            ?? (compound.canonicalSmiles.isEmpty ? nil : cidByName[compound.canonicalSmiles])
        if let found, compound.pubchemCID.isEmpty {
            compound.pubchemCID = found
            compounds[compound.key] = compound
        }
        return .success(compound)
    }

    private func resolveStructure(names: [String], smiles: String?) -> Result<Compound, Failure> {
        let names = names.map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && !MissingValue.isMissing($0)
        }
        var candidate = smiles?.trimmingCharacters(in: .whitespaces) ?? ""
        if MissingValue.isMissing(candidate) { candidate = "" }
        if candidate.isEmpty {
            for name in names {
                if let s = smilesByName[name] ?? smilesByName[name.lowercased()]
                    ?? smilesByName[String(name.prefix(13))]
                {
                    candidate = s; break
                }
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
            do { identity = .success(try Chem.identity(smiles: candidate, stripSalts: stripSalts)) } catch let error
                as ChemError
            { identity = .failure(error) } catch {
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
            if existing.pubchemCID.isEmpty { existing.pubchemCID = compound.pubchemCID }
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
        let (header, rows) = try readMapTable(url)
        guard let smilesColumn = index(of: ["canonical_smiles", "smiles", "SMILES"], in: header) else {
            throw InputError(
                "\(url.path): no SMILES column (expected canonical_smiles, smiles or SMILES); columns are \(header.joined(separator: ", "))"
            )
        }
        return try map(rows, header: header, url: url, value: smilesColumn) { text in
            let smiles = text.trimmingCharacters(in: .whitespaces)
            return smiles.isEmpty || MissingValue.isMissing(smiles) ? nil : smiles
        }
    }

    /// Loads a name-or-SMILES → PubChem CID map (`--cid-map`, or pertinfo's `pubchem_cid`): a CID column
    /// (`pubchem_cid`, `cid`, ...) and name columns as in `loadNameMap`, plus the SMILES column when present (so a
    /// SMILES as written maps to its CID). Rows without a valid CID are skipped. Nil when the table has no CID column
    /// and `required` is false.
    public static func loadCIDMap(_ url: URL, required: Bool = true) throws -> [String: String]? {
        let (header, rows) = try readMapTable(url)
        guard let cidColumn = index(of: cidColumnNames, in: header) else {
            if !required { return nil }
            throw InputError(
                "\(url.path): no PubChem CID column (expected \(cidColumnNames.joined(separator: ", "))); columns are \(header.joined(separator: ", "))"
            )
        }
        let smilesColumns = ["canonical_smiles", "smiles", "SMILES"].compactMap { header.firstIndex(of: $0) }
        return try map(
            rows, header: header, url: url, value: cidColumn, extraKeys: smilesColumns, Compound.normalizedCID)
    }

    private static let nameColumnNames = ["pert_id", "pert_iname", "name", "sm_name", "compound"]

    private static func readMapTable(_ url: URL) throws -> (header: [String], rows: ArraySlice<[String]>) {
        let text = String(decoding: try TextFile.readBytes(url), as: UTF8.self)
        let inner = url.pathExtension == "gz" ? url.deletingPathExtension() : url
        let rows = DelimitedTable.parse(text, delimiter: DelimitedTable.delimiter(for: inner))
        guard let header = rows.first else { throw InputError("\(url.path): empty name map") }
        return (header, rows.dropFirst())
    }

    private static func index(of names: [String], in header: [String]) -> Int? {
        names.lazy.compactMap { header.firstIndex(of: $0) }.first
    }

    /// key → value over the name columns (as written and lower-cased) and `extraKeys` columns (as written); the
    /// first row wins.
    private static func map(
        _ rows: ArraySlice<[String]>, header: [String], url: URL, value column: Int, extraKeys: [Int] = [],
        _ parse: (String) -> String?
    ) throws -> [String: String] {
        let nameColumns = nameColumnNames.compactMap { header.firstIndex(of: $0) }
        guard !nameColumns.isEmpty else {
            throw InputError("\(url.path): no name column (expected pert_id/pert_iname, name, sm_name or compound)")
        }
        var map: [String: String] = [:]
        for row in rows where column < row.count {
            guard let value = parse(row[column]) else { continue }
            for c in nameColumns where c < row.count && !row[c].isEmpty {
                if map[row[c]] == nil { map[row[c]] = value }
                let lower = row[c].lowercased()
                if map[lower] == nil { map[lower] = value }
            }
            for c in extraKeys where c < row.count {
                let key = row[c].trimmingCharacters(in: .whitespaces)
                if !key.isEmpty && map[key] == nil { map[key] = value }
            }
        }
        return map
    }
}
