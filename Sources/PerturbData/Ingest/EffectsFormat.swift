import Foundation
import PerturbBase
import PerturbIO

/// The file formats that hold perturbation effects or the samples they come from, with the one detection rule
/// that `perturbridge effects` (ingest) and the evaluations (which read condition-level files) share.
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

    /// The format of `url`: by extension, and for `.h5ad` by its obs columns and layers (checked in this order:
    /// our effects columns, OP3's `sm_name`, a `logFC` layer, else samples).
    public static func detect(_ url: URL) throws -> EffectsFormat {
        switch url.pathExtension.lowercased() {
        case "gct", "gctx": return .gct
        case "h5ad":
            guard FileManager.default.fileExists(atPath: url.path) else { throw InputError("\(url.path): file not found") }
            let reader = try H5ADReader(url: url)
            if EffectsStore.isEffectsFrame(reader.obs) { return .effects }
            if reader.obs.column("sm_name") != nil { return .op3 }
            if reader.layerNames.contains("logFC") { return .cpbDeg }
            return .samplesH5AD
        default:
            throw InputError("\(url.path): cannot tell the format from the extension (.h5ad, .gct or .gctx); pass --format")
        }
    }
}
