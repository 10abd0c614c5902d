import Foundation
import PerturbBase
import PerturbData

/// Reads condition-level effects files for the evaluation protocols, recognised by `EffectsFormat.detect`: our
/// effects `.h5ad` (`perturbridge effects`, `simulate`), an OP3 `de_train`/`de_test` `.h5ad` (OP3 column preset,
/// every layer kept) or a Chem-PerturBridge DEG `.h5ad`. Sample-level files are an error pointing at
/// `perturbridge effects`.
public enum EffectsLoading {
    /// Reads one file.
    public static func read(_ url: URL) throws -> EffectsTable {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw InputError("\(url.path): effects file not found")
        }
        let format = try EffectsFormat.detect(url)
        guard format.isConditionLevel else {
            throw InputError(
                "\(url.path): a \(format.rawValue) file holds samples, not condition-level effects; "
                    + "turn it into effects with `perturbridge effects --input \(url.lastPathComponent) "
                    + "--output effects.h5ad` first")
        }
        var report = IngestReport(source: url.path, format: format.rawValue)
        let table = try format.ingest(url, options: IngestOptions(), report: &report).pooled
        if report.skippedTotal > 0 {
            let reasons = report.skipped.map { "\($0.key): \($0.value.count)" }.sorted().joined(separator: ", ")
            ProgressReporter.log(
                "\(url.lastPathComponent): \(format.rawValue) ingest skipped \(report.skippedTotal) rows "
                    + "(\(reasons))")
        }
        return table
    }

    /// Reads and concatenates several files (e.g. OP3 `de_train` + `de_test`, or one file per dataset).
    public static func read(_ urls: [URL]) throws -> EffectsTable {
        guard !urls.isEmpty else { throw InputError("no effects file given") }
        let tables = try urls.map(read)
        return tables.count == 1 ? tables[0] : EffectsTable.concatenate(tables)
    }
}

/// The per-gene target values of an effects table for one layer name.
///
/// `logFC` is the table's log fold change. Any other name is an extra layer of the table; when the OP3 default
/// `clipped_sign_log10_pval` is absent it is derived as OP3 does, `sign(logFC)·(−log10(max(1e-4, P)))`, from a
/// `pvalue` (or `P.Value`) layer, or by clipping `sign_log10_pval` to ±4.
public enum TargetLayer {
    public static let defaultName = "clipped_sign_log10_pval"

    /// Returns the `rows × genes` values and a note saying how they were obtained.
    public static func values(
        of table: EffectsTable, layer: String, file: String
    ) throws -> (values: [Float], note: String) {
        if layer == "logFC" { return (table.logFC, "layer logFC") }
        if let values = table.extraLayers[layer] { return (values, "layer \(layer)") }
        if layer == defaultName {
            for pName in ["pvalue", "P.Value"] {
                if let p = table.extraLayers[pName] {
                    var out = [Float](repeating: .nan, count: p.count)
                    for i in p.indices where p[i].isFinite {
                        let magnitude = -log10(max(Double(p[i]), 1e-4))
                        let fc = table.logFC[i]
                        out[i] = Float(fc > 0 ? magnitude : (fc < 0 ? -magnitude : 0))
                    }
                    return (out, "clipped_sign_log10_pval derived from logFC and layer \(pName) (P floored at 1e-4)")
                }
            }
            if let s = table.extraLayers["sign_log10_pval"] {
                return (
                    s.map { $0.isFinite ? min(4, max(-4, $0)) : $0 },
                    "clipped_sign_log10_pval = sign_log10_pval clipped to ±4"
                )
            }
        }
        let available = (["logFC"] + table.extraLayers.keys.sorted()).joined(separator: ", ")
        throw InputError("\(file): no layer '\(layer)' (available: \(available)); choose one with --layer")
    }
}
