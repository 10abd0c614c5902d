import Foundation
import PerturbBase
import PerturbIO

/// Our effects file: an `.h5ad` that Python's anndata opens as is.
///
/// Layout: `obs` = conditions (index = `Condition.id`; columns `dataset`, `context` (categorical), `compounds`
/// (keys joined by `|`), `compound_names` (first alias of each compound, `|`-joined), `compound_smiles`
/// (`|`-joined canonical SMILES), `compound_cids` (`|`-joined PubChem CIDs, "" unknown), `is_control`, `dose_um` (NaN = missing), `log_dose` (`LogDose.value`),
/// `time_h` (NaN = missing), `replicate` ("" = pooled), `n_replicates`); `var` = genes (index = symbol, column
/// `ensembl_id`); `X` = logFC (float32, 0 where not measured); `layers/measured` = the mask as float32 0/1
/// (PerturbIO writes float matrices only); other layers = extra statistics (`t`, `pvalue`, ...); `uns/perturbridge`
/// = {format: "perturbridge-effects", version: 1}; `uns/compounds` = {key, canonical_smiles, aliases (`|`-joined),
/// pubchem_cid} (files written before CIDs were kept lack `compound_cids` and `pubchem_cid`: CIDs read as unknown);
/// `uns/provenance` = free-form strings.
public enum EffectsStore {
    public static let formatName = "perturbridge-effects"
    public static let formatVersion: Int64 = 1
    /// The version of files that store gene panels instead of a `measured` layer (`writeStreamed`).
    public static let panelFormatVersion: Int64 = 2
    static let measuredLayer = "measured"

    static let panelColumn = "gene_panel"
    static let panelMatrix = "gene_panels"

    static func annData(_ table: EffectsTable) -> AnnData {
        var adata = frames(
            conditions: table.conditions, replicateCounts: table.replicateCounts, compounds: table.compounds,
            genes: table.genes, ensemblIds: table.geneEnsemblIds, provenance: table.provenance, version: formatVersion)
        let n = table.conditions.count, g = table.genes.count
        adata.X = .dense(DenseMatrix(rows: n, cols: g, values: table.logFC))
        adata.layers[measuredLayer] = .dense(DenseMatrix(rows: n, cols: g, values: table.measured.map { $0 ? 1 : 0 }))
        for (name, values) in table.extraLayers {
            adata.layers[name] = .dense(DenseMatrix(rows: n, cols: g, values: values))
        }
        return adata
    }

    /// obs, var and uns of an effects file (no matrices).
    static func frames(
        conditions: [Condition], replicateCounts: [Int], compounds: [String: Compound], genes: [String],
        ensemblIds: [String], provenance: [String: String], version: Int64
    ) -> AnnData {
        func joined(_ c: Condition, _ f: (Compound) -> String) -> String {
            c.compounds.map { compounds[$0].map(f) ?? "" }.joined(separator: "|")
        }
        var obs = DataFrame(index: conditions.map(\.id))
        obs.set("dataset", categorical(conditions.map(\.dataset)))
        obs.set("context", categorical(conditions.map(\.context)))
        obs.set("compounds", .strings(conditions.map { $0.compounds.joined(separator: "|") }))
        obs.set("compound_names", .strings(conditions.map { joined($0) { $0.aliases.first ?? $0.key } }))
        obs.set("compound_smiles", .strings(conditions.map { joined($0) { $0.canonicalSmiles } }))
        obs.set("compound_cids", .strings(conditions.map { joined($0) { $0.pubchemCID } }))
        obs.set("is_control", .bools(conditions.map(\.isControl)))
        obs.set("dose_um", .float64(conditions.map { $0.doseMicromolar ?? .nan }))
        obs.set("log_dose", .float64(conditions.map { Double(LogDose.value(micromolar: $0.doseMicromolar)) }))
        obs.set("time_h", .float64(conditions.map { $0.timeHours ?? .nan }))
        obs.set("replicate", .strings(conditions.map { $0.replicate ?? "" }))
        obs.set("n_replicates", .int64(replicateCounts.map(Int64.init)))
        var variables = DataFrame(index: genes)
        variables.set("ensembl_id", .strings(ensemblIds))
        let keys = compounds.keys.sorted()
        let uns: [String: UnsValue] = [
            "perturbridge": .group(["format": .string(formatName), "version": .int(version)]),
            "compounds": .group([
                "key": .strings(keys),
                "canonical_smiles": .strings(keys.map { compounds[$0]!.canonicalSmiles }),
                "aliases": .strings(keys.map { compounds[$0]!.aliases.joined(separator: "|") }),
                "pubchem_cid": .strings(keys.map { compounds[$0]!.pubchemCID }),
            ]),
            "provenance": .group(provenance.mapValues { .string($0) }),
        ]
        return AnnData(X: nil, obs: obs, var: variables, uns: uns)
    }

    /// Writes an effects file whose rows measure gene panels, with X produced block by block (never whole in
    /// memory) and stored uncompressed for direct reads. Instead of a `measured` layer the file holds
    /// `obs/gene_panel` (the panel code of each row) and `varm/gene_panels` (genes × panels, 1 = measured), so
    /// the mask costs nothing to store or read; anndata users get a row's mask as
    /// `adata.varm["gene_panels"][:, adata.obs.gene_panel[i]]`. `fill(rows, values)` writes the logFC of `rows`
    /// (row-major over `genes`, 0 outside each row's panel). Format version `panelFormatVersion`.
    public static func writeStreamed(
        conditions: [Condition], replicateCounts: [Int], compounds: [String: Compound],
        genes: [String], panels: GenePanels, provenance: [String: String], to url: URL,
        blockRows: Int = 256,
        fill: @escaping (_ rows: Range<Int>, _ values: UnsafeMutableBufferPointer<Float>) throws -> Void
    ) throws {
        try panels.validate(rows: conditions.count, genes: genes.count, file: url.path)
        var adata = frames(
            conditions: conditions, replicateCounts: replicateCounts, compounds: compounds, genes: genes,
            ensemblIds: Array(repeating: "", count: genes.count), provenance: provenance, version: panelFormatVersion)
        adata.obs.set(panelColumn, .int64(panels.rowPanel.map(Int64.init)))
        adata.varm[panelMatrix] = panels.membershipMatrix(genes: genes.count)
        try H5ADWriter.write(
            adata, to: url,
            streamedX: StreamedDenseMatrix(
                rows: conditions.count, cols: genes.count,
                blockRows: blockRows, fill: fill))
    }

    /// Rebuilds the compounds table from the per-row obs columns (key, SMILES, first alias, CID).
    static func compoundsFromObs(_ obs: DataFrame) -> UnsValue {
        let keys = obs.column("compounds")?.stringValues() ?? []
        func parts(_ column: String) -> [[String]] {
            (obs.column(column)?.stringValues() ?? []).map {
                $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            }
        }
        let smiles = parts("compound_smiles"), names = parts("compound_names"), cids = parts("compound_cids")
        func part(_ table: [[String]], _ i: Int, _ j: Int) -> String {
            i < table.count && j < table[i].count ? table[i][j] : ""
        }
        var seen: [String: (smiles: String, name: String, cid: String)] = [:]
        for i in keys.indices where !keys[i].isEmpty {
            let k = keys[i].split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            for j in k.indices where seen[k[j]] == nil {
                seen[k[j]] = (part(smiles, i, j), part(names, i, j), part(cids, i, j))
            }
        }
        let sorted = seen.keys.sorted()
        return .group([
            "key": .strings(sorted), "canonical_smiles": .strings(sorted.map { seen[$0]!.smiles }),
            "aliases": .strings(sorted.map { seen[$0]!.name }), "pubchem_cid": .strings(sorted.map { seen[$0]!.cid }),
        ])
    }

    /// Whether an obs frame is one of ours (the columns `perturbridge effects` and `simulate` always write).
    static func isEffectsFrame(_ obs: DataFrame) -> Bool {
        obs.column("compound_smiles") != nil && obs.column("n_replicates") != nil
    }

    static func categorical(_ values: [String]) -> ColumnData {
        let categories = Array(Set(values)).sorted()
        let code = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($0.element, Int32($0.offset)) })
        return .categorical(codes: values.map { code[$0]! }, categories: categories, ordered: false)
    }

    /// Parses obs/var/uns of an effects file into conditions, replicate counts, compounds and provenance.
    static func metadata(
        obs: DataFrame, variables: DataFrame, uns: [String: UnsValue], file: String
    ) throws
        -> (
            conditions: [Condition], replicateCounts: [Int], compounds: [String: Compound], ensembl: [String],
            provenance: [String: String]
        )
    {
        func column(_ name: String) throws -> ColumnData {
            guard let c = obs.column(name) else {
                throw FormatError(
                    file: file, location: "/obs/\(name)",
                    message:
                        "missing column; this is not a perturbridge effects file (write one with `perturbridge effects` or `simulate`)"
                )
            }
            return c
        }
        func numbers(_ name: String) throws -> [Double] {
            guard let v = try column(name).doubleValues() else {
                throw FormatError(file: file, location: "/obs/\(name)", message: "expected numbers")
            }
            return v
        }
        let datasets = try column("dataset").stringValues(), contexts = try column("context").stringValues()
        let keys = try column("compounds").stringValues(), replicates = try column("replicate").stringValues()
        let doses = try numbers("dose_um"), times = try numbers("time_h"), counts = try numbers("n_replicates")
        var conditions: [Condition] = []
        conditions.reserveCapacity(obs.count)
        // Rows repeat a few datasets, contexts and compound sets: each distinct value is stored once and shared
        // by every row that holds it (strings and arrays share their buffers), so the per-condition index of a
        // large corpus holds no per-row heap allocations for them.
        var names = Interner<String>(), sets = Interner<[String]>(), setOfKey: [String: [String]] = [:]
        for i in 0..<obs.count {
            let compounds: [String]
            if let known = setOfKey[keys[i]] {
                compounds = known
            } else {
                let split = keys[i].isEmpty ? [] : keys[i].split(separator: "|").map { names.intern(String($0)) }
                compounds = sets.intern(split.sorted())
                setOfKey[keys[i]] = compounds
            }
            conditions.append(
                Condition(
                    dataset: names.intern(datasets[i]), context: names.intern(contexts[i]),
                    sortedCompounds: compounds, doseMicromolar: doses[i].isNaN ? nil : doses[i],
                    timeHours: times[i].isNaN ? nil : times[i],
                    replicate: replicates[i].isEmpty ? nil : replicates[i]))
        }
        var compounds: [String: Compound] = [:]
        if case .group(let table)? = uns["compounds"], case .strings(let k)? = table["key"],
            case .strings(let smiles)? = table["canonical_smiles"], case .strings(let aliases)? = table["aliases"],
            k.count == smiles.count, k.count == aliases.count
        {
            var cids = Array(repeating: "", count: k.count)
            if case .strings(let stored)? = table["pubchem_cid"] {
                guard stored.count == k.count else {
                    throw FormatError(
                        file: file, location: "/uns/compounds/pubchem_cid",
                        message: "\(stored.count) values for \(k.count) compounds")
                }
                cids = stored
            }
            for i in k.indices {
                compounds[k[i]] = Compound(
                    key: k[i], canonicalSmiles: smiles[i],
                    aliases: aliases[i].isEmpty ? [] : aliases[i].split(separator: "|").map(String.init),
                    pubchemCID: cids[i])
            }
        } else if conditions.contains(where: { !$0.compounds.isEmpty }) {
            throw FormatError(
                file: file, location: "/uns/compounds",
                message: "missing or malformed compounds table (key, canonical_smiles, aliases)")
        }
        var provenance: [String: String] = [:]
        if case .group(let p)? = uns["provenance"] {
            for (k, v) in p { if case .string(let s) = v { provenance[k] = s } }
        }
        let ensembl = variables.column("ensembl_id")?.stringValues() ?? Array(repeating: "", count: variables.count)
        return (conditions, counts.map { $0.isNaN ? 1 : Int($0) }, compounds, ensembl, provenance)
    }
}

extension EffectsTable {
    /// Writes the table to our `.h5ad` layout (see `EffectsStore`), atomically, after checking its invariants.
    public func write(to url: URL) throws {
        try validate(source: url.path)
        try H5ADWriter.write(EffectsStore.annData(self), to: url)
    }

    /// Reads a whole effects file.
    public static func read(_ url: URL) throws -> EffectsTable {
        let reader = try EffectsReader(url: url)
        return try reader.readAll()
    }
}

/// Streams an effects file by row ranges: metadata (conditions, genes, compounds) is read on open, matrices
/// chunk by chunk, so training can walk files larger than memory.
public final class EffectsReader {
    public let url: URL
    public let conditions: [Condition]
    public let genes: [String]
    public let geneEnsemblIds: [String]
    public let compounds: [String: Compound]
    public let replicateCounts: [Int]
    public let provenance: [String: String]
    /// Extra layers present besides `measured`.
    public let extraLayerNames: [String]
    /// The rows' gene panels when the file stores panels instead of a `measured` layer.
    public let panels: GenePanels?
    private let reader: H5ADReader

    public init(url: URL) throws {
        self.url = url
        reader = try H5ADReader(url: url)
        guard EffectsStore.isEffectsFrame(reader.obs) else {
            throw FormatError(
                file: url.path, location: "/obs",
                message: "not a perturbridge effects file; convert DEG/OP3/GCT/sample files with `perturbridge effects`"
            )
        }
        // Compounds come from the obs columns here (H5ADReader has no uns-only read yet); `readAll` replaces them
        // with the full table from `uns/compounds` (all aliases).
        let meta = try EffectsStore.metadata(
            obs: reader.obs, variables: reader.var,
            uns: ["compounds": EffectsStore.compoundsFromObs(reader.obs)], file: url.path)
        conditions = meta.conditions
        replicateCounts = meta.replicateCounts
        compounds = meta.compounds
        geneEnsemblIds = meta.ensembl
        provenance = [:]
        genes = reader.var.index
        panels = try GenePanels.read(reader, file: url.path)
        guard panels != nil || reader.layerNames.contains(EffectsStore.measuredLayer) else {
            throw FormatError(
                file: url.path, location: "/layers/measured",
                message: "missing measured mask layer (and no obs/gene_panel + varm/gene_panels)")
        }
        extraLayerNames = reader.layerNames.filter { $0 != EffectsStore.measuredLayer }.sorted()
        // obs is parsed into `conditions`; only the matrices are read from here on.
        try reader.releaseObs()
    }

    public var rowCount: Int { conditions.count }

    /// logFC, mask and extra layers of `rows`, as an `EffectsTable` slice (compounds of those rows included).
    public func read(rows: Range<Int>) throws -> EffectsTable {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "row range out of bounds")
        let logFC = try reader.readDense(layer: nil, rows: rows).values
        let mask = try measured(rows: rows)
        var extra: [String: [Float]] = [:]
        for name in extraLayerNames { extra[name] = try reader.readDense(layer: name, rows: rows).values }
        let slice = Array(conditions[rows])
        var used: [String: Compound] = [:]
        for key in Set(slice.flatMap(\.compounds)) { used[key] = compounds[key] }
        let table = EffectsTable(
            conditions: slice, genes: genes, geneEnsemblIds: geneEnsemblIds, logFC: logFC,
            measured: mask, compounds: used, extraLayers: extra,
            replicateCounts: Array(replicateCounts[rows]), provenance: provenance)
        try table.validate(source: url.path)
        return table
    }

    /// The measured mask of `rows`, row-major (from the panels, or the `measured` layer).
    public func measured(rows: Range<Int>) throws -> [Bool] {
        if let panels { return panels.mask(rows: rows, genes: genes.count) }
        return try reader.readDense(layer: EffectsStore.measuredLayer, rows: rows).values.map { $0 != 0 }
    }

    /// Reads the logFC of `rows` straight into `buffer` (room for `rows.count × genes.count` Floats): the
    /// allocation-free path of training, which takes the mask from `panels` or `measured(rows:)`.
    public func readLogFC(rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
        try reader.readRows(layer: nil, rows: rows, into: buffer)
    }

    /// Starts the OS reading the logFC of `rows` into the page cache (a hint; see `H5ADReader.adviseWillNeed`).
    public func adviseWillNeedLogFC(rows: Range<Int>) {
        reader.adviseWillNeed(layer: nil, rows: rows)
    }

    /// Row ranges of at most `size` rows covering the file, in order.
    public func chunks(size: Int) -> [Range<Int>] {
        stride(from: 0, to: rowCount, by: max(1, size)).map { $0..<min(rowCount, $0 + max(1, size)) }
    }

    /// The whole file, with the compounds table and provenance from `uns`.
    public func readAll() throws -> EffectsTable {
        let adata = try reader.readAll()
        guard case .group(let marker)? = adata.uns["perturbridge"], marker["format"] == .string(EffectsStore.formatName)
        else {
            throw FormatError(
                file: url.path, location: "/uns/perturbridge",
                message: "not a perturbridge effects file; convert DEG/OP3/GCT/sample files with `perturbridge effects`"
            )
        }
        let meta = try EffectsStore.metadata(obs: adata.obs, variables: adata.var, uns: adata.uns, file: url.path)
        guard let X = adata.X else {
            throw FormatError(file: url.path, location: "/X", message: "missing logFC matrix X")
        }
        let mask: [Bool]
        if let panels {
            mask = panels.mask(rows: 0..<rowCount, genes: genes.count)
        } else if let layer = adata.layers[EffectsStore.measuredLayer] {
            mask = layer.toDense().values.map { $0 != 0 }
        } else {
            throw FormatError(file: url.path, location: "/layers/measured", message: "missing measured mask layer")
        }
        var extra: [String: [Float]] = [:]
        for name in extraLayerNames { extra[name] = adata.layers[name]!.toDense().values }
        let table = EffectsTable(
            conditions: meta.conditions, genes: genes, geneEnsemblIds: meta.ensembl, logFC: X.toDense().values,
            measured: mask, compounds: meta.compounds, extraLayers: extra,
            replicateCounts: meta.replicateCounts, provenance: meta.provenance)
        try table.validate(source: url.path)
        return table
    }
}
