import Foundation
import PerturbBase
import PerturbIO

/// Column names of a sample-level `.h5ad` (one row per bulk/pseudobulk sample), defaulting to the
/// Chem-PerturBridge pseudobulk schema (seed spec §1.1).
public struct SampleColumns: Codable, Equatable, Sendable {
    public var dataset: String? = "dataset"
    public var datasetDefault = "dataset"
    public var context = "cell_type"
    public var compound = "perturbagen"
    public var smiles: String? = "canonical_smiles"
    public var aliasColumns = ["pubchem_cid"]
    /// Boolean (or "True"/"False") control flag; when absent, rows whose compound is in `controlNames` are controls.
    public var control: String? = "is_control"
    public var controlNames: Set<String> = ["DMSO", "dmso", "Dimethyl Sulfoxide", "control", "vehicle", "Vehicle"]
    public var dose: String? = "pert_dose_uM"
    public var doseDefaultUnit = DoseUnit.micromolar
    public var time: String? = "pert_time_h"
    public var timeDefaultUnit = "h"
    public var plate: String? = "plate"
    public var replicate: String? = "well"
    /// Layer with expression (nil = X).
    public var layer: String?
    public init() {}
}

/// How sample values are turned into log2 expression before effects are computed.
public enum SampleNormalization: String, Codable, CaseIterable, Sendable {
    /// Counts if every value is a non-negative integer and the largest exceeds 100, else already log-normalized.
    case auto
    /// Raw counts: log2(CPM + 1) with CPM = count / library size · 10⁶ (library size = the sample's total over all
    /// genes of the file). Plain CPM, not TMM/voom.
    case counts
    /// Values are already log-normalized expression; used as is.
    case log
}

/// Builds effects from a sample-level `.h5ad`: treated samples against the controls of the same plate, context and
/// time (just context and time when there is no plate column), through `EffectBuilder`.
public enum SampleH5ADIngest {
    public static func ingest(
        _ url: URL, columns: SampleColumns = SampleColumns(), normalization: SampleNormalization = .auto,
        resolver: CompoundResolver, builder: EffectBuilder.Options = EffectBuilder.Options(),
        report: inout IngestReport
    ) throws -> EffectBuilder.Result {
        let reader = try H5ADReader(url: url)
        let file = url.lastPathComponent
        let obs = reader.obs
        func column(_ name: String?) -> [String]? { name.flatMap { obs.column($0)?.stringValues() } }
        guard let names = column(columns.compound) else {
            throw InputError(
                "\(url.path): obs has no compound column '\(columns.compound)' (columns: \(obs.columnNames.joined(separator: ", ")))"
            )
        }
        guard let contexts = column(columns.context) else {
            throw InputError(
                "\(url.path): obs has no context column '\(columns.context)' (columns: \(obs.columnNames.joined(separator: ", ")))"
            )
        }
        let n = obs.count
        let datasets = column(columns.dataset) ?? Array(repeating: columns.datasetDefault, count: n)
        let controlFlags = column(columns.control)
        let plates = column(columns.plate), wells = column(columns.replicate)
        let doses = column(columns.dose), times = column(columns.time), smiles = column(columns.smiles)
        let aliases = columns.aliasColumns.compactMap(column)
        let cids = CompoundResolver.cidColumnNames.lazy.compactMap { column($0) }.first
        if plates == nil {
            report.notes.append("no plate column '\(columns.plate ?? "")': controls matched on context and time only")
        }

        var matrix = try reader.readDense(layer: columns.layer)
        let mode: SampleNormalization
        if normalization == .auto {
            let isCounts =
                matrix.values.allSatisfy { $0 >= 0 && $0 == $0.rounded() } && (matrix.values.max() ?? 0) > 100
            mode = isCounts ? .counts : .log
        } else {
            mode = normalization
        }
        let limma = builder.statistics && builder.method == .limma
        let rawCounts = limma && mode == .counts ? matrix.values : []
        if mode == .counts {
            for r in 0..<matrix.rows {
                let row = matrix.values[(r * matrix.cols)..<((r + 1) * matrix.cols)]
                let total = row.reduce(0.0) { $0 + ($1.isFinite ? Double($1) : 0) }
                let scale = total > 0 ? 1e6 / total : 0
                for c in 0..<matrix.cols {
                    matrix.values[r * matrix.cols + c] = Float(
                        log2(Double(matrix.values[r * matrix.cols + c]) * scale + 1))
                }
            }
            report.notes.append("values treated as counts: log2(CPM + 1) per sample")
        }

        var vocabulary = GeneVocabulary()
        let varSymbols = reader.var.column("symbol")?.stringValues()
        let geneMap = reader.var.index.indices.map { i in
            vocabulary.add(
                symbol: varSymbols.map { $0[i] }.flatMap { $0.isEmpty ? nil : $0 } ?? reader.var.index[i],
                ensemblId: reader.var.index[i])
        }
        let g = vocabulary.count
        var samples: [SampleAnnotation] = [], rows: [Int] = []
        report.rowsRead += n
        for i in 0..<n {
            let isControl =
                controlFlags.map { ["true", "1", "yes"].contains($0[i].lowercased()) }
                ?? columns.controlNames.contains(names[i])
            let time: Double?
            do {
                time = try times.flatMap {
                    try TimeParser.hours(
                        $0[i], defaultUnit: columns.timeDefaultUnit,
                        location: ValueLocation(file: file, column: columns.time ?? "", row: i))
                }
            } catch let error as UnitError {
                report.skip("unparseable dose or time unit", example: error.description); continue
            }
            let group = [plates?[i] ?? "", contexts[i], Condition.format(time)].joined(separator: "|")
            let replicate = [plates?[i], wells?[i] ?? obs.index[i]].compactMap { $0 }.joined(separator: ":")
            if isControl {
                samples.append(
                    SampleAnnotation(
                        condition: nil, controlGroup: group, replicate: replicate, plate: plates?[i],
                        controlContext: contexts[i], controlTime: time))
                rows.append(i)
                continue
            }
            let compound: Compound
            guard !MissingValue.isMissing(names[i].trimmingCharacters(in: .whitespaces)) else {
                report.skip("missing compound", example: obs.index[i]); continue
            }
            switch resolver.resolve(names: [names[i]] + aliases.map { $0[i] }, smiles: smiles?[i], cid: cids?[i]) {
            case .success(let c): compound = c
            case .failure(.missingName): report.skip("missing compound", example: obs.index[i]); continue
            case .failure(.invalidSmiles(let s, let reason)):
                report.skip("invalid SMILES", example: "\(obs.index[i]): \(s) (\(reason))"); continue
            }
            let dose: Double?
            do {
                dose = try doses.flatMap {
                    try DoseParser.micromolar(
                        $0[i], defaultUnit: columns.doseDefaultUnit,
                        location: ValueLocation(file: file, column: columns.dose ?? "", row: i))
                }
            } catch let error as UnitError {
                report.skip("unparseable dose or time unit", example: error.description); continue
            }
            let condition = Condition(
                dataset: datasets[i], context: contexts[i], compounds: [compound.key], doseMicromolar: dose,
                timeHours: time)
            samples.append(
                SampleAnnotation(condition: condition, controlGroup: group, replicate: replicate, plate: plates?[i]))
            rows.append(i)
        }
        var values = [Float](repeating: .nan, count: rows.count * g)
        for (s, r) in rows.enumerated() {
            for (c, target) in geneMap.enumerated() where values[s * g + target].isNaN {
                values[s * g + target] = matrix.values[r * matrix.cols + c]
            }
        }
        var result = EffectBuilder.build(
            values: values, samples: samples, genes: vocabulary.symbols, geneEnsemblIds: vocabulary.ensemblIds,
            compounds: resolver.compounds, options: builder, report: &report)
        if limma {
            var input = values
            if mode == .counts {
                input = [Float](repeating: .nan, count: rows.count * g)
                for (s, r) in rows.enumerated() {
                    for (c, target) in geneMap.enumerated() where input[s * g + target].isNaN {
                        input[s * g + target] = rawCounts[r * matrix.cols + c]
                    }
                }
            }
            LimmaEffects.apply(
                to: &result, values: input, samples: samples, counts: mode == .counts, trend: mode != .counts,
                design: builder.limmaDesign, report: &report)
        }
        result.pooled.provenance = [
            "source": file, "format": "samples-h5ad", "normalization": mode.rawValue,
            "method": limma
                ? (mode == .counts
                    ? "limma-voom: filterByExpr, TMM, voom, lmFit \(LimmaEffects.formula(builder.limmaDesign)), eBayes"
                    : "limma: lmFit \(LimmaEffects.formula(builder.limmaDesign)), eBayes(trend = TRUE)")
                : "mean(treated) - mean(controls of the same plate, context and time)",
        ]
        result.replicates.provenance = result.pooled.provenance
        return result
    }
}
