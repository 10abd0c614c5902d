import Foundation
import PerturbBase
import PerturbIO

/// Builds condition-level effects from an L1000 level-3 GCT/GCTX (normalized log2 expression, probes × wells).
///
/// Per plate (`det_plate`, else `rna_plate`), each treated well (`pert_type` in `compoundTypes`) is compared with the
/// vehicle controls of the same plate (`pert_type == ctl_vehicle`): replicate effect = well − mean(plate vehicles),
/// pooled effect of a (cell_id, compound, dose, time) = mean of its replicate wells' effects (on one plate:
/// mean(treated) − mean(vehicle)); see `EffectBuilder` for the Welch t/p-value layers. Genes = `pr_gene_symbol`.
/// Dose from `pert_dose` + `pert_dose_unit` (else `pert_idose`, e.g. "10.0 um"); time from `pert_time` +
/// `pert_time_unit` (else `pert_itime`). Compound structure from the name map (`pert_id`, then `pert_iname`).
public enum L1000Ingest {
    public struct Options: Sendable {
        public var dataset: String
        public var compoundTypes: Set<String> = ["trt_cp", "trt_poscon"]
        public var controlTypes: Set<String> = ["ctl_vehicle"]
        public var builder = EffectBuilder.Options()
        public init(dataset: String = "L1000") { self.dataset = dataset }
    }

    public static func ingest(
        _ url: URL, resolver: CompoundResolver, options: Options = Options(),
        report: inout IngestReport
    ) throws -> EffectBuilder.Result {
        let gct = try GCTReader.read(url)
        return try ingest(gct, file: url.lastPathComponent, resolver: resolver, options: options, report: &report)
    }

    public static func ingest(
        _ gct: GCTData, file: String, resolver: CompoundResolver, options: Options = Options(),
        report: inout IngestReport
    ) throws -> EffectBuilder.Result {
        let meta = gct.colMeta
        func column(_ names: String...) -> [String]? {
            for n in names { if let c = meta.column(n) { return c.stringValues() } }
            return nil
        }
        guard let pertType = column("pert_type") else {
            throw InputError(
                "\(file): column metadata has no 'pert_type' (needed to tell compounds from vehicle controls); columns are \(meta.columnNames.joined(separator: ", "))"
            )
        }
        let nWells = gct.matrix.cols
        let iname = column("pert_iname") ?? Array(repeating: "", count: nWells)
        let pertID = column("pert_id") ?? Array(repeating: "", count: nWells)
        let cell = column("cell_id") ?? Array(repeating: "unknown", count: nWells)
        let plate = column("det_plate", "rna_plate")
        let well = column("det_well", "rna_well") ?? meta.index
        let dose = column("pert_dose"), doseUnit = column("pert_dose_unit"), idose = column("pert_idose")
        let time = column("pert_time"), timeUnit = column("pert_time_unit"), itime = column("pert_itime")
        if plate == nil { report.notes.append("no det_plate/rna_plate column: all wells treated as one plate") }

        // Genes: probe symbols; duplicate symbols keep the first probe.
        let symbols = gct.rowMeta.column("pr_gene_symbol")?.stringValues() ?? gct.rowMeta.index
        var genes: [String] = [], geneRows: [Int] = []
        var seen = Set<String>()
        for (r, s) in symbols.enumerated() {
            let name = s.isEmpty ? gct.rowMeta.index[r] : s
            if seen.insert(name).inserted {
                genes.append(name); geneRows.append(r)
            } else {
                report.skip("duplicate gene symbol (probe skipped)", example: "\(gct.rowMeta.index[r]) → \(name)")
            }
        }

        var samples: [SampleAnnotation] = []
        var columns: [Int] = []
        report.rowsRead += nWells
        for j in 0..<nWells {
            let plateName = plate?[j] ?? "plate"
            let replicate = "\(plateName):\(well[j])"
            let type = pertType[j]
            if options.controlTypes.contains(type) {
                let hours = time.flatMap { t -> Double? in
                    guard !MissingValue.isMissing(t[j]) else { return nil }
                    let unit = timeUnit.map { $0[j] } ?? ""
                    return try? TimeParser.hours(
                        MissingValue.isMissing(unit) ? t[j] : "\(t[j]) \(unit)",
                        location: ValueLocation(file: file, column: "pert_time", row: j + 1))
                }
                samples.append(
                    SampleAnnotation(
                        condition: nil, controlGroup: plateName, replicate: replicate, plate: plateName,
                        controlContext: cell[j], controlTime: hours))
                columns.append(j)
                continue
            }
            guard options.compoundTypes.contains(type) else {
                report.skip(
                    "pert_type is neither a compound nor a vehicle control", example: "\(meta.index[j]) (\(type))")
                continue
            }
            let names = [iname[j], pertID[j]].filter { !$0.isEmpty && !MissingValue.isMissing($0) }
            let compound: Compound
            switch resolver.resolve(names: names, smiles: nil) {
            case .success(let c): compound = c
            case .failure(.missingName):
                report.skip("missing compound", example: meta.index[j]); continue
            case .failure(.invalidSmiles(let s, let reason)):
                report.skip("invalid SMILES", example: "\(meta.index[j]) \(s): \(reason)"); continue
            }
            let doseMicromolar: Double?, hours: Double?
            do {
                if let dose, !MissingValue.isMissing(dose[j]) {
                    let unit = doseUnit.map { $0[j] } ?? ""
                    doseMicromolar = try DoseParser.micromolar(
                        MissingValue.isMissing(unit) ? dose[j] : "\(dose[j]) \(unit)",
                        location: ValueLocation(file: file, column: "pert_dose", row: j + 1))
                } else {
                    doseMicromolar = try idose.flatMap {
                        try DoseParser.micromolar(
                            $0[j], location: ValueLocation(file: file, column: "pert_idose", row: j + 1))
                    }
                }
                if let time, !MissingValue.isMissing(time[j]) {
                    let unit = timeUnit.map { $0[j] } ?? ""
                    hours = try TimeParser.hours(
                        MissingValue.isMissing(unit) ? time[j] : "\(time[j]) \(unit)",
                        location: ValueLocation(file: file, column: "pert_time", row: j + 1))
                } else {
                    hours = try itime.flatMap {
                        try TimeParser.hours(
                            $0[j], location: ValueLocation(file: file, column: "pert_itime", row: j + 1))
                    }
                }
            } catch let error as UnitError {
                report.skip("unparseable dose or time unit", example: error.description); continue
            }
            let condition = Condition(
                dataset: options.dataset, context: cell[j], compounds: [compound.key],
                doseMicromolar: doseMicromolar, timeHours: hours)
            samples.append(
                SampleAnnotation(condition: condition, controlGroup: plateName, replicate: replicate, plate: plateName))
            columns.append(j)
        }

        // Samples × genes matrix (wells are columns of the GCT matrix).
        let g = genes.count, m = gct.matrix
        var values = [Float](repeating: .nan, count: columns.count * g)
        for (s, j) in columns.enumerated() {
            for (c, r) in geneRows.enumerated() { values[s * g + c] = m.values[r * m.cols + j] }
        }
        var result = EffectBuilder.build(
            values: values, samples: samples, genes: genes, compounds: resolver.compounds,
            options: options.builder, report: &report)
        let limma = options.builder.statistics && options.builder.method == .limma
        if limma {
            LimmaEffects.apply(
                to: &result, values: values, samples: samples, counts: false, trend: true,
                design: options.builder.limmaDesign, report: &report)
        }
        result.pooled.provenance = [
            "source": file, "format": "gct",
            "method": limma
                ? "limma: lmFit \(LimmaEffects.formula(options.builder.limmaDesign)), eBayes(trend = TRUE)"
                : "per-plate mean(treated) - mean(vehicle controls)",
        ]
        result.replicates.provenance = result.pooled.provenance
        return result
    }
}
