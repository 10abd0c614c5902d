import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbModel

/// The run folder's TensorBoard events, read back by TensorBoard's own `EventAccumulator`.
final class TensorBoardTests: XCTestCase {
    /// Scalars by tag as `[[step, value]]`, from `EventAccumulator` over the run folder (all events kept).
    private func accumulate(_ dir: URL) throws -> [String: [[Double]]] {
        let output = try Python.run(
            """
            import json, sys
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
            acc.Reload()
            print(json.dumps({t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()["scalars"]}))
            """, arguments: [dir.path])
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [[Double]]], output)
    }

    /// Two epochs, a third whose checkpoint is then lost (as when a run is killed between its metrics and its
    /// checkpoint), and a resume to four: one event file per process, and TensorBoard sees each step once with the
    /// values of `metrics.jsonl`; the step losses cover steps 1 … last.
    func testEventsMatchTheMetricsFileAcrossAResume() throws {
        let table = ModelTestData.table()
        var config = ModelTestData.config(.multiout, epochs: 2)
        let dir = try temporaryDirectory()
        let folder = RunFolder(dir)
        _ = try ModelTestData.fit(config, table, dir)
        let saved = dir.appendingPathComponent("saved")
        try FileManager.default.createDirectory(at: saved, withIntermediateDirectories: true)
        for name in ["last.safetensors", "last.json"] {
            try FileManager.default.copyItem(
                at: dir.appendingPathComponent(name), to: saved.appendingPathComponent(name))
        }
        config.maxEpochs = 3
        _ = try ModelTestData.fit(config, table, dir, resume: true)
        for name in ["last.safetensors", "last.json"] {
            try FileManager.default.removeItem(at: dir.appendingPathComponent(name))
            try FileManager.default.moveItem(
                at: saved.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        config.maxEpochs = 4
        let run = try ModelTestData.fit(config, table, dir, resume: true)

        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.hasPrefix("events.out.tfevents.")
        }
        XCTAssertEqual(files.count, 3, "one event file per process start: \(files)")
        let metrics = try String(contentsOf: folder.metricsJSONL, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(EpochMetrics.self, from: Data($0.utf8)) }
        XCTAssertEqual(metrics, run.history)
        XCTAssertEqual(metrics.count, 4)

        let scalars = try accumulate(dir)
        /// Values are float32 in the file (compared as such: JSON parsing of the doubles may be off in the last bit).
        func expect(_ tag: String, _ value: (EpochMetrics) -> Double?) {
            let want = metrics.compactMap { m in value(m).map { [Float(m.step), Float($0)] } }
            XCTAssertEqual(scalars[tag]?.map { $0.map(Float.init) }, want, tag)
        }
        expect("epoch") { Double($0.epoch) }
        expect("Training RMSE") { $0.trainRMSE }
        expect("Validation RMSE") { $0.validation.rmse }
        expect("Learning rate") { $0.learningRate }
        expect("Rows per second") { $0.rowsPerSecond }
        for dataset in table.datasets {
            expect("Validation RMSE dataset/\(dataset)") { $0.validation.perDatasetRMSE[dataset] }
        }
        XCTAssertEqual(
            Set(scalars.keys),
            Set(
                [
                    "epoch", "Training RMSE", "Validation RMSE", "Learning rate", "Rows per second",
                    TrainingEvents.stepLoss,
                ] + table.datasets.map { "Validation RMSE dataset/\($0)" }))
        let losses = try XCTUnwrap(scalars[TrainingEvents.stepLoss])
        XCTAssertEqual(losses.map { Int($0[0]) }, Array(1...metrics.last!.step), "each step once, in order")
        XCTAssertTrue(losses.allSatisfy { $0[1].isFinite && $0[1] > 0 })
    }
}
