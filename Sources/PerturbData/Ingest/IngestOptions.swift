import Foundation
import PerturbBase

/// What `EffectsFormat.ingest` may take from the user beyond the file: the compound resolver, the effect builder's
/// options (sample-level formats), and overrides of the format's column preset (nil = the preset's column).
public struct IngestOptions {
    /// Names and SMILES to compound identities; shared by every file of one ingest.
    public var resolver: CompoundResolver
    /// How sample-level formats (gct, samples-h5ad) become effects.
    public var builder: EffectBuilder.Options
    /// The dataset name: gct's (default: the file name), or that of `.h5ad` rows without a dataset column.
    public var dataset: String?
    public var datasetColumn: String?
    public var contextColumn: String?
    /// The context of every row of a signatures table (nil: `unspecified`).
    public var context: String?
    public var compoundColumn: String?
    public var smilesColumn: String?
    public var doseColumn: String?
    /// The unit of plain-number doses in `.h5ad` files.
    public var doseUnit = DoseUnit.micromolar
    public var timeColumn: String?
    /// The layer holding logFC (condition files) or expression (sample files).
    public var layer: String?
    public var plateColumn: String?
    public var controlColumn: String?
    public var normalization = SampleNormalization.auto

    public init(
        resolver: CompoundResolver = CompoundResolver(), builder: EffectBuilder.Options = EffectBuilder.Options()
    ) {
        self.resolver = resolver
        self.builder = builder
    }

    /// The dataset name of the rows of `url` for formats without a dataset column (gct, signatures): `dataset`, or
    /// the file name without its extension.
    func datasetName(for url: URL) -> String { dataset ?? url.deletingPathExtension().lastPathComponent }

    /// Applies the column-name and dose-unit overrides shared by the `.h5ad` formats to a preset.
    func apply<Columns: ObsColumnNames>(to columns: inout Columns) {
        if let v = datasetColumn { columns.dataset = v }
        if let v = dataset { columns.datasetDefault = v; if datasetColumn == nil { columns.dataset = nil } }
        if let v = contextColumn { columns.context = v }
        if let v = compoundColumn { columns.compound = v }
        if let v = smilesColumn { columns.smiles = v }
        if let v = doseColumn { columns.dose = v }
        if let v = timeColumn { columns.time = v }
        columns.doseDefaultUnit = doseUnit
    }
}

/// What one file's ingest produced: condition-level effects, and per-replicate effects for sample-level formats.
public struct IngestResult {
    public var pooled: EffectsTable
    /// One row per treated sample (gct, samples-h5ad); nil for condition-level formats.
    public var replicates: EffectsTable?
}
