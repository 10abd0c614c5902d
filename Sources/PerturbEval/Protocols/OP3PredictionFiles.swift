import Foundation
import PerturbIO

/// The OP3 protocol's held-out truth and predictions as `.h5ad` files in the layout `perturbridge score` (and OP3's
/// metric scripts) read: obs = the held-out conditions (index = condition id; `cell_type`, `sm_name`), var = the
/// genes; the truth holds the target layer under its own name, each prediction a `prediction` layer.
struct OP3PredictionFiles {
    let folder: URL
    let task: OP3Task
    let testRows: [Int]
    let layer: String

    /// The file of one feature set and seed.
    static func predictionName(feature: String, seed: UInt64) -> String {
        safeName(feature) + "_seed\(seed).h5ad"
    }

    /// A feature set's name for file names: letters, digits, `-` and `_` kept, anything else `_`.
    static func safeName(_ feature: String) -> String {
        String(feature.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    func writeTruth(_ values: [Float]) throws {
        try write(layer: layer, values, to: folder.appendingPathComponent("truth.h5ad"))
    }

    func writePrediction(_ values: [Float], feature: String, seed: UInt64) throws {
        try write(
            layer: "prediction", values,
            to: folder.appendingPathComponent(Self.predictionName(feature: feature, seed: seed)))
    }

    private func write(layer name: String, _ values: [Float], to url: URL) throws {
        var obs = DataFrame(index: testRows.map { task.table.conditions[$0].id })
        obs.set("cell_type", .strings(testRows.map { task.table.conditions[$0].context }))
        obs.set("sm_name", .strings(testRows.map { task.compoundName(Int(task.rowCompound[$0])) }))
        let matrix = DenseMatrix(rows: testRows.count, cols: task.genes.count, values: values)
        try H5ADWriter.write(
            AnnData(obs: obs, var: DataFrame(index: task.genes), layers: [name: .dense(matrix)]), to: url)
    }
}
