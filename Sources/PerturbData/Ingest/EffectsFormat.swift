import Foundation
import PerturbBase
import PerturbIO

/// The file formats that hold perturbation effects or the samples they come from, with the one detection rule and
/// the one ingest entry that `perturbridge effects` and the evaluations (which read condition-level files) share.
/// A new format is an ingest type in its own file plus a case here (its line in `detect`, `ingest` and
/// `isConditionLevel`).
public enum EffectsFormat: String, CaseIterable, Sendable {
    /// Our effects `.h5ad` (`perturbridge effects`, `simulate`): obs `compound_smiles` and `n_replicates`.
    case effects
    /// A Chem-PerturBridge DEG `.h5ad`: condition rows with a `logFC` layer.
    case cpbDeg = "cpb-deg"
    /// An OP3 `de_train`/`de_test` `.h5ad`: obs `sm_name`.
    case op3
    /// GCT 1.2/1.3 text or GCTX (L1000 replicate profiles).
    case gct
    /// A sample-level `.h5ad` (counts or log expression with controls), turned into effects by `perturbridge effects`.
    case samplesH5AD = "samples-h5ad"
    /// A compound × gene table of condition-level signatures (TSV/CSV, e.g. SEP-L1000); never auto-detected.
    case signatures

    /// The format of `url`: by extension, and for `.h5ad` by its obs columns and layers (checked in this order:
    /// our effects columns, OP3's `sm_name`, a `logFC` layer, else samples).
    public static func detect(_ url: URL) throws -> EffectsFormat {
        switch url.pathExtension.lowercased() {
        case "gct", "gctx": return .gct
        case "h5ad":
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw InputError("\(url.path): file not found")
            }
            let reader = try H5ADReader(url: url)
            if EffectsStore.isEffectsFrame(reader.obs) { return .effects }
            if reader.obs.column("sm_name") != nil { return .op3 }
            if reader.layerNames.contains("logFC") { return .cpbDeg }
            return .samplesH5AD
        default:
            throw InputError(
                "\(url.path): cannot tell the format from the extension (.h5ad, .gct or .gctx); pass --format")
        }
    }

    /// Whether files of this format hold condition-level effects (what the evaluations read) rather than samples.
    public var isConditionLevel: Bool {
        switch self {
        case .effects, .cpbDeg, .op3, .signatures: return true
        case .gct, .samplesH5AD: return false
        }
    }

    /// Reads `url` as this format into effects, counting skipped rows in `report`.
    public func ingest(_ url: URL, options: IngestOptions, report: inout IngestReport) throws -> IngestResult {
        switch self {
        case .effects:
            return IngestResult(pooled: try EffectsTable.read(url), replicates: nil)
        case .cpbDeg, .op3:
            var columns: ConditionColumns = self == .op3 ? .op3 : .chemPerturBridge
            options.apply(to: &columns)
            if let v = options.layer { columns.logFCLayer = v }
            let table = try ConditionH5ADIngest.ingest(
                url, columns: columns, resolver: options.resolver, report: &report)
            return IngestResult(pooled: table, replicates: nil)
        case .gct:
            var l1000 = L1000Ingest.Options(dataset: options.datasetName(for: url))
            l1000.builder = options.builder
            let result = try L1000Ingest.ingest(url, resolver: options.resolver, options: l1000, report: &report)
            return IngestResult(pooled: result.pooled, replicates: result.replicates)
        case .samplesH5AD:
            var columns = SampleColumns()
            options.apply(to: &columns)
            if let v = options.plateColumn { columns.plate = v }
            if let v = options.controlColumn { columns.control = v }
            columns.layer = options.layer
            let result = try SampleH5ADIngest.ingest(
                url, columns: columns, normalization: options.normalization,
                resolver: options.resolver, builder: options.builder,
                report: &report)
            return IngestResult(pooled: result.pooled, replicates: result.replicates)
        case .signatures:
            var signatures = SignatureTableIngest.Options(dataset: options.datasetName(for: url))
            if let context = options.context { signatures.context = context }
            let table = try SignatureTableIngest.ingest(
                url, resolver: options.resolver, options: signatures, report: &report)
            return IngestResult(pooled: table, replicates: nil)
        }
    }
}
