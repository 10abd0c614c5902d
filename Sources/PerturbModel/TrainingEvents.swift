import Foundation
import PerturbBase

/// The run folder's TensorBoard log, with the reference's tag names where it has them: `Training loss` (the MSE of
/// each optimizer step, at that step) and, per epoch at the epoch's last step, `Training RMSE`, `Validation RMSE`,
/// `Validation RMSE dataset/<dataset>`, `Learning rate`, `Rows per second` and `epoch` (as Lightning logs it).
/// The epoch values are those of `metrics.jsonl` (as float32).
struct TrainingEvents {
    static let stepLoss = "Training loss"
    private let writer: EventFileWriter

    /// Opens this process's event file in the run folder; `resumedAtStep` (the step of the checkpoint a resumed run
    /// continues from) marks a restart so TensorBoard drops what an interrupted process logged after that step.
    init(folder: RunFolder, resumedAtStep: Int?) throws {
        writer = try EventFileWriter(directory: folder.url, restartStep: resumedAtStep.map { $0 + 1 })
    }

    /// The loss of optimizer step `step` (1-based, counted over the whole run).
    func step(_ step: Int, loss: Double) throws {
        try writer.scalars([(Self.stepLoss, loss)], step: step)
    }

    /// The scalars of a finished epoch, at its last step.
    func epoch(_ metrics: EpochMetrics) throws {
        try writer.scalars(Self.scalars(of: metrics), step: metrics.step)
    }

    /// Tag and value of every per-epoch scalar (validation tags only when the epoch had validation data).
    static func scalars(of m: EpochMetrics) -> [(tag: String, value: Double)] {
        var values: [(tag: String, value: Double)] = [
            ("epoch", Double(m.epoch)), ("Training RMSE", m.trainRMSE),
            ("Learning rate", m.learningRate), ("Rows per second", m.rowsPerSecond),
        ]
        if let rmse = m.validation.rmse { values.append(("Validation RMSE", rmse)) }
        for (dataset, rmse) in m.validation.perDatasetRMSE.sorted(by: { $0.key < $1.key }) {
            values.append(("Validation RMSE dataset/\(dataset)", rmse))
        }
        return values
    }
}
