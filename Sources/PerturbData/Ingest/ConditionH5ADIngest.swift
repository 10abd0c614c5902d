import Foundation
import PerturbBase
import PerturbIO

/// Column names of a condition-level (DEG result) `.h5ad`, with presets for the Chem-PerturBridge DEG output
/// (seed spec §1.3) and the OP3 `de_train.h5ad` layout. A nil column means "not in the file; use the default value".
public struct ConditionColumns: Codable, Equatable, Sendable {
    public var dataset: String?
    public var datasetDefault: String
    public var context: String
    public var compound: String
    /// Further obs columns kept as aliases (e.g. `pubchem_cid`, `sm_lincs_id`).
    public var aliasColumns: [String]
    public var smiles: String?
    public var dose: String?
    public var doseDefaultUnit: DoseUnit
    public var doseDefault: Double?
    public var time: String?
    public var timeDefaultUnit: String
    public var timeDefault: Double?
    /// Layer with the logFC (nil = X).
    public var logFCLayer: String?
    /// Layers kept as extra layers: source name → stored name.
    public var extraLayers: [String: String]
    /// Keep every other float layer of the file under its own name.
    public var keepAllLayers: Bool

    /// The logFC layer of both presets; when a file lacks it, X is read instead (any other missing layer is an error).
    public static let defaultLogFCLayer = "logFC"

    /// Chem-PerturBridge `<cell_type>_de.h5ad`: obs dataset, cell_type, perturbagen, pubchem_cid, pert_dose_uM,
    /// pert_time_h; layers logFC, t, P.Value (kept as `pvalue`), adj.P.Value.across_all_contrasts (`adj_pvalue`) and
    /// adj.P.Value.within_one_contrast (`adj_pvalue_within`, the agreement's preferred DE layer, seed spec §5.3), ...
    public static let chemPerturBridge = ConditionColumns(
        dataset: "dataset", datasetDefault: "dataset", context: "cell_type", compound: "perturbagen",
        aliasColumns: ["pubchem_cid"],
        smiles: "canonical_smiles", dose: "pert_dose_uM", doseDefaultUnit: .micromolar, doseDefault: nil,
        time: "pert_time_h",
        timeDefaultUnit: "h", timeDefault: nil, logFCLayer: defaultLogFCLayer,
        extraLayers: [
            "t": "t", "P.Value": "pvalue", "adj.P.Value.across_all_contrasts": "adj_pvalue",
            "adj.P.Value.within_one_contrast": "adj_pvalue_within",
        ], keepAllLayers: false)

    /// OP3 `de_train.h5ad`: obs cell_type, sm_name, sm_lincs_id, SMILES, split, control; one dose (1 µM) and time
    /// (24 h) for all rows; layers logFC, sign_log10_pval, clipped_sign_log10_pval, P.Value, t, ... all kept.
    public static let op3 = ConditionColumns(
        dataset: nil, datasetDefault: "op3", context: "cell_type", compound: "sm_name", aliasColumns: ["sm_lincs_id"],
        smiles: "SMILES", dose: nil, doseDefaultUnit: .micromolar, doseDefault: 1, time: nil, timeDefaultUnit: "h",
        timeDefault: 24, logFCLayer: defaultLogFCLayer, extraLayers: [:], keepAllLayers: true)
}

/// Ingests condition-level effects already computed by a DEG step (one row per contrast).
///
/// Rows with no compound, an invalid SMILES, an unparseable dose/time or no finite logFC are skipped and counted;
/// genes with NaN logFC in a row (genes filtered out of that batch) are unmeasured for that row; a second row with the
/// same condition (e.g. a contrast against another control group) is skipped as a duplicate. OP3's `control` flag
/// marks positive controls (e.g. Dabrafenib, Belinostat), which are real compounds with effects and are kept.
public enum ConditionH5ADIngest {
    public static func ingest(
        _ url: URL, columns: ConditionColumns, resolver: CompoundResolver,
        report: inout IngestReport
    ) throws -> EffectsTable {
        let reader = try H5ADReader(url: url)
        let file = url.lastPathComponent
        let obs = reader.obs
        func required(_ name: String) throws -> [String] {
            guard let c = obs.column(name) else {
                throw InputError(
                    "\(url.path): obs has no column '\(name)' (columns: \(obs.columnNames.joined(separator: ", "))); set the column mapping (e.g. --compound-column)"
                )
            }
            return c.stringValues()
        }
        func optional(_ name: String?) -> [String]? { name.flatMap { obs.column($0)?.stringValues() } }
        let n = obs.count
        let datasets = optional(columns.dataset) ?? Array(repeating: columns.datasetDefault, count: n)
        let contexts = try required(columns.context)
        let names = try required(columns.compound)
        let aliases = columns.aliasColumns.compactMap { optional($0) }
        let cids = CompoundResolver.cidColumnNames.lazy.compactMap { optional($0) }.first
        let smiles = optional(columns.smiles)
        let doses = optional(columns.dose), times = optional(columns.time)
        if let d = columns.dose, doses == nil, columns.doseDefault == nil {
            report.notes.append("no dose column '\(d)': doses missing (log-dose 0)")
        }
        if let t = columns.time, times == nil, columns.timeDefault == nil {
            report.notes.append("no time column '\(t)': times missing")
        }

        // Genes: var index (Ensembl ids or symbols) with an optional `symbol` column.
        let index = reader.var.index
        let varSymbols = reader.var.column("symbol")?.stringValues()
        var vocabulary = GeneVocabulary()
        let geneMap = index.indices.map { i -> Int in
            let symbol = varSymbols.map { $0[i] }.flatMap { $0.isEmpty ? nil : $0 } ?? index[i]
            return vocabulary.add(symbol: symbol, ensemblId: index[i])
        }
        if vocabulary.count < index.count {
            report.notes.append("\(index.count - vocabulary.count) duplicate genes merged (first kept)")
        }
        let g = vocabulary.count

        let logFCLayer = columns.logFCLayer.flatMap { reader.layerNames.contains($0) ? $0 : nil }
        if let named = columns.logFCLayer, logFCLayer == nil {
            // Only the presets' default name may fall back to X; a layer the user named must exist.
            guard named == ConditionColumns.defaultLogFCLayer, reader.hasX else {
                throw InputError(
                    "\(url.path): no layer '\(named)' (layers: \(reader.layerNames.joined(separator: ", "))); choose one with --layer"
                )
            }
            report.notes.append("no layer '\(named)': logFC read from X")
        }
        if logFCLayer == nil && !reader.hasX {
            throw InputError(
                "\(url.path): no layer '\(columns.logFCLayer ?? "X")' and no X; layers are \(reader.layerNames.joined(separator: ", "))"
            )
        }
        var extraSources = columns.extraLayers.filter { reader.layerNames.contains($0.key) }
        if columns.keepAllLayers {
            for name in reader.layerNames where name != logFCLayer && extraSources[name] == nil {
                extraSources[name] = name
            }
        }
        for name in extraSources.keys.sorted() {
            if (try? reader.describeMatrix(layer: name).dtype).map({ $0.lowercased().contains("bool") }) == true {
                extraSources[name] = nil
            }
        }

        var table = EffectsTable(
            conditions: [], genes: vocabulary.symbols, geneEnsemblIds: vocabulary.ensemblIds, logFC: [], measured: [],
            compounds: [:], replicateCounts: [],
            provenance: ["source": file, "format": columns == .op3 ? "op3" : "cpb-deg"])
        var extra: [String: [Float]] = Dictionary(uniqueKeysWithValues: extraSources.values.map { ($0, [Float]()) })
        var seen = Set<Condition>()
        report.rowsRead += n
        let chunk = 2048
        for start in stride(from: 0, to: n, by: chunk) {
            let rows = start..<min(n, start + chunk)
            let logFC = try reader.readDense(layer: logFCLayer, rows: rows)
            var layerChunks: [String: DenseMatrix] = [:]
            for (source, _) in extraSources { layerChunks[source] = try reader.readDense(layer: source, rows: rows) }
            for i in rows {
                let label = obs.index[i]
                let rowNames = [names[i]] + aliases.map { $0[i] }
                let compound: Compound
                guard !MissingValue.isMissing(names[i].trimmingCharacters(in: .whitespaces)) else {
                    report.skip("missing compound", example: label); continue
                }
                switch resolver.resolve(names: rowNames, smiles: smiles?[i], cid: cids?[i]) {
                case .success(let c): compound = c
                case .failure(.missingName): report.skip("missing compound", example: label); continue
                case .failure(.invalidSmiles(let s, let reason)):
                    report.skip("invalid SMILES", example: "\(label): \(s) (\(reason))"); continue
                }
                let dose: Double?, time: Double?
                do {
                    dose =
                        try doses.map {
                            try DoseParser.micromolar(
                                $0[i], defaultUnit: columns.doseDefaultUnit,
                                location: ValueLocation(file: file, column: columns.dose ?? "", row: i))
                        } ?? columns.doseDefault
                    time =
                        try times.map {
                            try TimeParser.hours(
                                $0[i], defaultUnit: columns.timeDefaultUnit,
                                location: ValueLocation(file: file, column: columns.time ?? "", row: i))
                        } ?? columns.timeDefault
                } catch let error as UnitError {
                    report.skip("unparseable dose or time unit", example: error.description); continue
                }
                let condition = Condition(
                    dataset: datasets[i], context: contexts[i], compounds: [compound.key], doseMicromolar: dose,
                    timeHours: time)
                let r = i - rows.lowerBound
                var values = [Float](repeating: 0, count: g), mask = [Bool](repeating: false, count: g)
                for (c, target) in geneMap.enumerated() where !mask[target] {
                    let v = logFC.values[r * logFC.cols + c]
                    if v.isFinite { values[target] = v; mask[target] = true }
                }
                guard mask.contains(true) else {
                    report.skip("NaN effects (no finite value for any gene)", example: label); continue
                }
                guard seen.insert(condition).inserted else {
                    report.skip("duplicate condition (another contrast of the same condition)", example: label);
                    continue
                }
                table.conditions.append(condition)
                table.replicateCounts.append(1)
                table.logFC += values
                table.measured += mask
                for (source, target) in extraSources {
                    let m = layerChunks[source]!
                    var layerRow = [Float](repeating: .nan, count: g)
                    for (c, t) in geneMap.enumerated() where layerRow[t].isNaN {
                        layerRow[t] = m.values[r * m.cols + c]
                    }
                    extra[target]! += layerRow
                }
            }
        }
        table.extraLayers = extra
        for key in table.usedCompoundKeys { table.compounds[key] = resolver.compounds[key] }
        report.conditionsWritten += table.rowCount
        return table
    }
}
