import Foundation
import PerturbBase
import PerturbNN

/// Metrics of one finished epoch (a line of `metrics.jsonl`, a row of `metrics.csv`).
public struct EpochMetrics: Codable, Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Optimizer steps completed so far.
    public var step: Int
    public var learningRate: Double
    /// Pooled RMSE of the training batches of this epoch (with dropout active, as the reference logs it).
    public var trainRMSE: Double
    public var trainRows: Int
    public var validation: ValidationMetrics
    public var seconds: Double
    public var rowsPerSecond: Double
    /// Peak resident memory of the process by the end of the epoch, MiB (nil in runs from older versions).
    public var peakRSSMB: Double?
    /// Peak bytes held by the shuffle buffer during the epoch, MiB.
    public var shuffleBufferPeakMB: Double?
    /// Rows (scalar mode: scalars) each rank trained on in the epoch, in rank order (nil for a single process).
    public var rowsPerRank: [Int]? = nil
    /// Seconds this rank (rank 0) spent in the epoch's gradient allreduces, packing included (nil for a single process).
    public var allreduceSeconds: Double? = nil
}

/// What `Trainer.fit` returns.
public struct TrainingRun: Codable, Sendable {
    /// 1-based epoch of the best validation RMSE (the last epoch when there is no validation data).
    public var bestEpoch: Int
    public var bestValidationRMSE: Double?
    public var perDatasetValidationRMSE: [String: Double]
    public var history: [EpochMetrics]
    public var runDirectory: URL
    public var stoppedEarly: Bool
}

/// State carried in the `last` checkpoint so a resumed run continues exactly.
struct TrainerState: Codable {
    var bestEpoch: Int
    var bestRMSE: Double?
    var epochsWithoutImprovement: Int
    var history: [EpochMetrics]
    /// Every rank's dropout stream at the checkpoint, in rank order (nil for a single process, whose stream is the
    /// checkpoint's `rng`).
    var rankDropoutRNGs: [SavedRNG]? = nil
    /// Set when `last` was saved inside an epoch (`checkpoint_every_steps`): how far the epoch after the checkpoint's
    /// completed ones got.
    var epochProgress: EpochProgress? = nil
}

/// What a mid-epoch checkpoint keeps of the epoch in progress, so that a resumed run skips the steps done (their
/// batches are drawn from the shuffle buffer again, not built) and ends the epoch with the metrics of an
/// uninterrupted one. The shuffle buffer's peak needs no saving: the replay fills the buffer as the first pass did.
struct EpochProgress: Codable, Equatable {
    /// Optimizer steps of the epoch done.
    var steps: Int
    /// Records (rows, or scalars) trained on, in all and per rank.
    var rows: Int
    var rowsPerRank: [Int]
    /// Sum of squared errors and measured values so far (the epoch's train RMSE).
    var sse: Double
    var measured: Int
    /// Training seconds so far, and of them the allreduces'.
    var seconds: Double
    var allreduceSeconds: Double
}

/// A generator saved as the text `"<state>:<increment>"` (hex), exact through `JSONValue`, whose numbers are
/// doubles and would round 64-bit state.
struct SavedRNG: Codable, Equatable {
    let rng: SeededRNG

    init(_ rng: SeededRNG) { self.rng = rng }

    init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: ":")
        guard parts.count == 2, let state = UInt64(parts[0], radix: 16), let increment = UInt64(parts[1], radix: 16)
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not <state>:<increment> in hex"))
        }
        rng = SeededRNG(state: state, increment: increment)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(rng.state, radix: 16) + ":" + String(rng.increment, radix: 16))
    }
}

/// Files of a run folder: `config.json`, `run.json`, `metrics.jsonl`, `metrics.csv`, `best.*`, `last.*`,
/// `epoch-NNNN.*` (each checkpoint a `.safetensors` plus its `.json` sidecar, and `.NAME.json.pending` where a
/// save was killed before renaming its sidecar in), and `finished.json`, written last
/// when training ends (a folder without it belongs to a run that was stopped or is still running).
public struct RunFolder {
    public let url: URL
    public init(_ url: URL) { self.url = url }

    public var config: URL { url.appendingPathComponent("config.json") }
    public var run: URL { url.appendingPathComponent("run.json") }
    public var metricsJSONL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var metricsCSV: URL { url.appendingPathComponent("metrics.csv") }
    public var best: URL { url.appendingPathComponent("best.safetensors") }
    public var last: URL { url.appendingPathComponent("last.safetensors") }
    public func epoch(_ e: Int) -> URL { url.appendingPathComponent(String(format: "epoch-%04d.safetensors", e)) }
    /// The marker `Trainer.fit` writes after the run's last checkpoint (removed when a run starts or resumes).
    public var finished: URL { url.appendingPathComponent("finished.json") }
    /// Whether the run trained to its end (max epochs or early stop) rather than being stopped.
    public var isFinished: Bool { FileManager.default.fileExists(atPath: finished.path) }

    /// Where `--resume` would continue, from `last`'s sidecar: "after epoch E (step S)", or "in epoch E after its
    /// step K (step S)" for a mid-epoch save; nil without `last`.
    public func resumePosition() throws -> String? {
        guard FileManager.default.fileExists(atPath: last.path) else { return nil }
        let info = try Checkpoint.readInfo(last)
        return Self.resumePosition(
            epochs: info.epoch, step: info.step,
            unfinished: (try? info.extra.decode(TrainerState.self))?.epochProgress)
    }

    /// Where a run continues after `epochs` completed epochs and `step` optimizer steps, inside the next epoch when
    /// `unfinished` (what `inspect` and `pretrain --resume` say).
    static func resumePosition(epochs: Int, step: Int, unfinished: EpochProgress?) -> String {
        unfinished.map { "in epoch \(epochs + 1) after its step \($0.steps) (step \(step))" }
            ?? "after epoch \(epochs) (step \(step))"
    }

    /// A checkpoint path from a run folder (its `best.safetensors`) or a `.safetensors` file.
    public static func checkpointFile(_ url: URL) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError("\(url.path): checkpoint not found (give a run folder or a .safetensors file)")
        }
        if isDirectory.boolValue {
            let best = RunFolder(url).best
            guard FileManager.default.fileExists(atPath: best.path) else {
                throw InputError("\(url.path): run folder has no best.safetensors (did the run finish an epoch?)")
            }
            return best
        }
        return url
    }

    /// Writes `finished.json` (epochs, best epoch, early stop) after everything else of the run.
    func markFinished(_ run: TrainingRun) throws {
        let record: [String: Any] = [
            "epochs": run.history.count, "best_epoch": run.bestEpoch,
            "stopped_early": run.stoppedEarly,
        ]
        let json = try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(json, to: finished)
    }

    /// Rewrites `metrics.jsonl` and `metrics.csv` from the full history (atomic, so a kill never truncates them).
    func writeMetrics(_ history: [EpochMetrics], datasets: [String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var jsonl = ""
        for m in history { jsonl += String(decoding: try encoder.encode(m), as: UTF8.self) + "\n" }
        try AtomicFile.write(jsonl, to: metricsJSONL)
        func f(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "" }
        var table = DelimitedTable(
            header: [
                "epoch", "step", "learning_rate", "train_rmse", "train_rows", "val_rmse", "val_pearson",
                "val_count", "seconds", "rows_per_s", "peak_rss_mb", "buffer_peak_mb",
            ]
                + datasets.map { "val_rmse/\($0)" })
        for m in history {
            table.rows.append(
                [
                    "\(m.epoch)", "\(m.step)", f(m.learningRate), f(m.trainRMSE), "\(m.trainRows)",
                    f(m.validation.rmse),
                    f(m.validation.pearson), "\(m.validation.count)", f(m.seconds), f(m.rowsPerSecond),
                    f(m.peakRSSMB), f(m.shuffleBufferPeakMB),
                ]
                    + datasets.map { f(m.validation.perDatasetRMSE[$0]) })
        }
        try table.write(metricsCSV, delimiter: ",")
    }
}
