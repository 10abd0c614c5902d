import ArgumentParser
import Foundation
import PerturbBase
import PerturbData

/// `perturbridge effects`: converts DEG results, OP3 files, L1000 GCT/GCTX or sample-level .h5ad into our effects file.
struct Effects: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Build condition-level effects (logFC + mask + statistics) from real datasets into one effects .h5ad.",
        discussion: """
            Formats: cpb-deg (Chem-PerturBridge <cell_type>_de.h5ad: obs dataset, cell_type, perturbagen, pubchem_cid, \
            pert_dose_uM, pert_time_h; layers logFC, t, P.Value), op3 (de_train.h5ad: obs cell_type, sm_name, SMILES; layers \
            logFC, sign_log10_pval, clipped_sign_log10_pval, ...; 1 uM, 24 h), gct (L1000 level-3 .gct/.gctx: per plate, \
            treated wells minus the plate's ctl_vehicle wells), samples-h5ad (one row per sample; treated minus controls of \
            the same plate, context and time; counts become log2(CPM+1)), signatures (a TSV/CSV of condition-level \
            signatures: first column the compound id, one column per gene, e.g. SEP-L1000 tStats; every row gets \
            --context, no dose, no time). auto picks by extension and obs/layers. \
            For gct and samples-h5ad, --method limma (the default) fits limma per context: --limma-design \
            plate-covariate (the default, the reference's ~0 + condition + plate with the context's vehicle controls \
            pooled per time) or control-groups (one level per plate's controls), each condition against its controls, \
            eBayes (trended for log expression; counts through filterByExpr, TMM and voom), layers t, pvalue, adj_pvalue (BH over all contrasts), B, AveExpr, clipped_sign_log10_pval; \
            --method mean-diff keeps the mean difference with a Welch t. \
            Several inputs are concatenated over the union gene vocabulary (unmeasured genes masked). Skipped rows are \
            counted per reason with examples in <output>.ingest.json and on stderr.

            Example:
              perturbridge effects --input ../shared/data/l1000-cmappy/test_l1000.gct \\
                --smiles-map ../shared/data/l1000-lincs-metadata/pertinfo.tsv.gz --dataset LINCS_A375 \\
                --output a375.h5ad --replicates a375_replicates.h5ad
            """
    )

    @Option(parsing: .upToNextOption, help: "Input files.") var input: [String]
    @Option(help: "Input format (auto: by extension, then a .h5ad's obs columns and layers).") var format:
        FormatChoice = .auto
    @Option(help: "Output effects .h5ad.") var output: String
    @Option(help: "Also write per-replicate effects (gct, samples-h5ad) to this .h5ad.") var replicates: String?
    @Option(help: "Ingest report JSON (default: <output>.ingest.json).") var report: String?
    @Option(
        help:
            "Name → SMILES table (TSV/CSV, .gz allowed), e.g. LINCS pertinfo.tsv.gz (its pubchem_cid column, if any, gives CIDs)."
    ) var smilesMap: String?
    @Option(
        help:
            "Name or SMILES → PubChem CID table (TSV/CSV, .gz allowed; columns pubchem_cid or cid, and name or smiles)."
    ) var cidMap: String?
    @Option(help: "Dataset name (gct, and h5ad files without a dataset column).") var dataset: String?
    @Option(help: "obs column with the dataset name.") var datasetColumn: String?
    @Option(help: "obs column with the context (cell type/line).") var contextColumn: String?
    @Option(help: "Context of every row of a signatures table (default unspecified).") var context: String?
    @Option(help: "obs column with the compound name.") var compoundColumn: String?
    @Option(help: "obs column with SMILES.") var smilesColumn: String?
    @Option(help: "obs column with the dose.") var doseColumn: String?
    @Option(help: "Unit of plain-number doses (µM and other spellings accepted).") var doseUnit: DoseUnit = .micromolar
    @Option(help: "obs column with the time.") var timeColumn: String?
    @Option(help: "Layer holding logFC (condition files) or expression (sample files).") var layer: String?
    @Option(help: "obs column with the plate (sample files).") var plateColumn: String?
    @Option(help: "obs column flagging controls (sample files).") var controlColumn: String?
    @Option(help: "Sample normalization.") var normalization: SampleNormalization = .auto
    @Option(
        help:
            "Effects of sample-level inputs (gct, samples-h5ad): limma (counts through filterByExpr, TMM and voom; log expression with a trended eBayes) or mean-diff (mean difference with a Welch t)."
    ) var method: EffectMethod = .limma
    @Option(
        name: .customLong("limma-design"),
        help:
            "The limma model of a context: plate-covariate (~0 + condition + plate, controls pooled per time; the reference's) or control-groups (one level per control group, each condition against its own plates' controls)."
    ) var limmaDesign: LimmaDesign = .plateCovariate
    @Flag(help: "Skip the statistics layers (t, p-values; with limma also B, AveExpr).") var noStatistics = false
    @Flag(
        help:
            "Keep salts and counter-ions: key and fingerprint the SMILES as given (the reference), not its largest fragment."
    ) var keepSalts = false

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("give at least one --input file") }
    }

    func run() throws {
        var cidByName =
            try smilesMap.flatMap { try CompoundResolver.loadCIDMap(URL(fileURLWithPath: $0), required: false) } ?? [:]
        if let cidMap {
            cidByName.merge(try CompoundResolver.loadCIDMap(URL(fileURLWithPath: cidMap))!) { _, explicit in explicit }
        }
        let resolver = CompoundResolver(
            smilesByName: try smilesMap.map { try CompoundResolver.loadNameMap(URL(fileURLWithPath: $0)) } ?? [:],
            cidByName: cidByName, stripSalts: !keepSalts)
        var options = IngestOptions(
            resolver: resolver,
            builder: EffectBuilder.Options(
                statistics: !noStatistics, keepReplicates: replicates != nil, method: method, limmaDesign: limmaDesign))
        options.dataset = dataset
        options.datasetColumn = datasetColumn
        options.contextColumn = contextColumn
        options.context = context
        options.compoundColumn = compoundColumn
        options.smilesColumn = smilesColumn
        options.doseColumn = doseColumn
        options.doseUnit = doseUnit
        options.timeColumn = timeColumn
        options.layer = layer
        options.plateColumn = plateColumn
        options.controlColumn = controlColumn
        options.normalization = normalization
        var pooled: [EffectsTable] = [], perReplicate: [EffectsTable] = []
        var total = IngestReport(source: output, format: format.name)
        for path in input {
            let url = URL(fileURLWithPath: path)
            let kind = try format.format ?? EffectsFormat.detect(url)
            var fileReport = IngestReport(source: url.lastPathComponent, format: kind.rawValue)
            let result = try kind.ingest(url, options: options, report: &fileReport)
            pooled.append(result.pooled)
            if let replicates = result.replicates { perReplicate.append(replicates) }
            ProgressReporter.log(fileReport.summary)
            total.absorb(fileReport)
        }
        if !resolver.unresolvedNames.isEmpty {
            total.notes.append(
                "\(resolver.unresolvedNames.count) compounds kept by name without a structure (key name:<name>), e.g. "
                    + resolver.unresolvedNames.sorted().prefix(5).joined(separator: ", "))
        }
        var table = pooled.count == 1 ? pooled[0] : EffectsTable.concatenate(pooled)
        guard table.rowCount > 0 else {
            let reasons = total.skipDescriptions(examples: 1)
            throw InputError(
                "\(input.joined(separator: ", ")): no usable rows, nothing written"
                    + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")))
        }
        table.provenance["inputs"] = input.joined(separator: ",")
        table.provenance["tool"] = "perturbridge effects"
        let outURL = URL(fileURLWithPath: output)
        try table.write(to: outURL)
        if let replicates {
            let rows = perReplicate.filter { $0.rowCount > 0 }
            guard !rows.isEmpty else {
                throw ValidationError(
                    "--replicates: no per-replicate effects (only gct and samples-h5ad inputs have them)")
            }
            try (rows.count == 1 ? rows[0] : EffectsTable.concatenate(rows)).write(to: URL(fileURLWithPath: replicates))
        }
        let reportURL = URL(fileURLWithPath: report ?? output + ".ingest.json")
        try total.write(to: reportURL)
        print(
            "\(output)\t\(table.rowCount) conditions × \(table.geneCount) genes, \(table.usedCompoundKeys.count) compounds, "
                + "\(table.datasets.count) datasets; skipped \(total.skippedTotal) (report: \(reportURL.path))")
    }
}
