import Foundation
import PerturbBase
import PerturbData
import PerturbIO

extension PredictionRequests {
    /// Writes predictions (`conditions × genes`, row-major) as `.h5ad`, atomically: obs = the conditions (index =
    /// condition id; `dataset`, `context`, `compound` as given, `compound_key` as resolved, `dose_um`, `time_h`, NaN
    /// when missing), var = gene names, X = predicted logFC (float32).
    public func write(_ predictions: [Float], genes: [String], to url: URL) throws {
        guard url.pathExtension.lowercased() == "h5ad" else {
            throw InputError("\(url.path): the prediction output must end in .h5ad")
        }
        precondition(predictions.count == conditions.count * genes.count, "predictions must be conditions × genes")
        var obs = DataFrame(index: conditions.map(\.id))
        obs.set("dataset", .strings(conditions.map(\.dataset)))
        obs.set("context", .strings(conditions.map(\.context)))
        obs.set("compound", .strings(compoundLabels))
        obs.set("compound_key", .strings(conditions.map { $0.compounds.joined(separator: "|") }))
        obs.set("dose_um", .float64(conditions.map { $0.doseMicromolar ?? .nan }))
        obs.set("time_h", .float64(conditions.map { $0.timeHours ?? .nan }))
        let adata = AnnData(
            X: .dense(DenseMatrix(rows: conditions.count, cols: genes.count, values: predictions)), obs: obs,
            var: DataFrame(index: genes), uns: ["perturbridge": .group(["kind": .string("lpm-predictions")])])
        try H5ADWriter.write(adata, to: url)
    }
}
