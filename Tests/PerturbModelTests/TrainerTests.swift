import Foundation
import PerturbBase
import PerturbData
import PerturbNN
import PerturbTestSupport
import XCTest

@testable import PerturbModel

final class TrainerTests: XCTestCase {
    /// Loss goes down on the simulator's data, in both output modes, and the run folder holds its files.
    func testLossDecreasesOnSimulatedData() throws {
        let tables = try Simulator.run(config: .preset(.small), seed: 5)
        let data = EffectsTable.concatenate(tables)
        let rows = Array(data.conditions.indices)
        for mode in OutputMode.allCases {
            var config = ModelTestData.config(mode, epochs: 6)
            config.batchSize = mode == .scalar ? 512 : 16
            config.learningRate = 5e-3
            let dir = try temporaryDirectory("sim\(mode)")
            let run = try Trainer.fit(
                config: config, data: data, trainRows: rows.filter { $0 % 5 != 0 },
                validationRows: rows.filter { $0 % 5 == 0 }, runDirectory: dir, progress: false)
            let train = run.history.map(\.trainRMSE), val = run.history.compactMap(\.validation.rmse)
            print(
                "\(mode) train RMSE per epoch: \(train.map { String(format: "%.4f", $0) }) val: \(val.map { String(format: "%.4f", $0) })"
            )
            XCTAssertEqual(run.history.count, 6)
            XCTAssertLessThan(train.last!, train.first! * 0.9, "\(mode): training loss must fall")
            XCTAssertLessThan(val.min()!, val.first!, "\(mode): validation RMSE must improve")
            XCTAssertEqual(run.bestValidationRMSE, val.min())
            XCTAssertEqual(Set(run.perDatasetValidationRMSE.keys), Set(data.datasets))
            let folder = RunFolder(dir)
            for url in [
                folder.config, folder.run, folder.metricsJSONL, folder.metricsCSV, folder.best, folder.last,
                folder.epoch(6),
            ] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), url.lastPathComponent)
            }
            let lines = try String(contentsOf: folder.metricsJSONL, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 6)
            let best = try Trainer.loadBest(runDirectory: dir)
            let pred = try best.predict(data, rows: [0, 1])
            XCTAssertEqual(pred.count, 2 * data.genes.count)
        }
    }

    /// Same seed and threads → identical weights; another seed → different weights.
    func testSameSeedGivesIdenticalWeights() throws {
        let table = ModelTestData.table()
        for mode in OutputMode.allCases {
            let config = ModelTestData.config(mode, epochs: 2)
            let dirA = try temporaryDirectory("a2"), dirB = try temporaryDirectory("b2")
            _ = try ModelTestData.fit(config, table, dirA)
            _ = try ModelTestData.fit(config, table, dirB)
            let wa = ModelTestData.weights(try LPMCheckpoint.load(RunFolder(dirA).last))
            let wb = ModelTestData.weights(try LPMCheckpoint.load(RunFolder(dirB).last))
            XCTAssertEqual(wa, wb, "\(mode)")
            var other = config
            other.seed = 8
            let dirC = try temporaryDirectory("c2")
            _ = try ModelTestData.fit(other, table, dirC)
            XCTAssertNotEqual(wa, ModelTestData.weights(try LPMCheckpoint.load(RunFolder(dirC).last)))
        }
    }

    /// Train 4 epochs straight vs 2 epochs, "kill", resume to 4: bit-identical weights, optimizer moments and history.
    func testResumeAfterKillIsBitIdentical() throws {
        let table = ModelTestData.table()
        for mode in OutputMode.allCases {
            var config = ModelTestData.config(mode, epochs: 4)
            let straight = try temporaryDirectory("straight")
            let full = try ModelTestData.fit(config, table, straight)
            config.maxEpochs = 2
            let resumed = try temporaryDirectory("resumed")
            _ = try ModelTestData.fit(config, table, resumed)
            XCTAssertThrowsError(try ModelTestData.fit(config, table, resumed), "a used folder needs --resume")
            config.maxEpochs = 4
            let run = try ModelTestData.fit(config, table, resumed, resume: true)
            let (a, _) = try SafeTensors.read(RunFolder(straight).last)
            let (b, _) = try SafeTensors.read(RunFolder(resumed).last)
            XCTAssertEqual(Set(a.keys), Set(b.keys))
            XCTAssertTrue(a.keys.contains { $0.hasPrefix("adam_m/") })
            for (k, t) in a { XCTAssertEqual(t.scalars, b[k]!.scalars, "\(mode): \(k)") }
            XCTAssertEqual(run.history.map(\.trainRMSE), full.history.map(\.trainRMSE))
            XCTAssertEqual(run.bestEpoch, full.bestEpoch)
        }
    }

    /// Streaming from an effects file (small shards, small shuffle buffer) trains exactly as the in-memory table.
    func testStreamingFromFileMatchesInMemory() throws {
        let table = ModelTestData.table()
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("effects.h5ad")
        try table.write(to: file)
        let (train, validation) = ModelTestData.split(table)
        var config = ModelTestData.config(.scalar, epochs: 2)
        config.shardConditions = 5
        let memory = try Trainer.fit(
            config: config, sources: [TableSource(table)], trainRows: [train], validationRows: [validation],
            runDirectory: dir.appendingPathComponent("memory"), progress: false)
        let streamed = try Trainer.fit(
            config: config, sources: [try EffectsReader(url: file)], trainRows: [train], validationRows: [validation],
            runDirectory: dir.appendingPathComponent("file"), progress: false)
        XCTAssertEqual(memory.history.map(\.trainRMSE), streamed.history.map(\.trainRMSE))
        XCTAssertEqual(
            ModelTestData.weights(try Trainer.loadBest(runDirectory: memory.runDirectory)),
            ModelTestData.weights(try Trainer.loadBest(runDirectory: streamed.runDirectory)))
    }

    /// Early stopping: validation targets are the negated training targets, so fitting the training data makes
    /// validation worse after the first epoch and the run stops `patience` epochs after its best.
    func testEarlyStoppingWithPatience() throws {
        var config = ModelTestData.config(.scalar, epochs: 30)
        config.patience = 2
        let table = ModelTestData.table()
        var negated = table
        negated.logFC = table.logFC.map { -$0 }
        let rows = Array(table.conditions.indices)
        let run = try Trainer.fit(
            config: config, sources: [TableSource(table), TableSource(negated)], trainRows: [rows, []],
            validationRows: [[], rows], runDirectory: try temporaryDirectory(), progress: false)
        XCTAssertTrue(run.stoppedEarly)
        XCTAssertLessThan(run.history.count, 30)
        XCTAssertEqual(run.history.count, run.bestEpoch + 2)
    }

    /// Micro-batches accumulate the gradient of the whole batch: with dropout off, training with
    /// `micro_batch_size` gives the weights, losses and validation metrics of the undivided batch (float
    /// tolerance), in both modes; validation then runs in micro-batches too.
    func testMicroBatchesGiveTheWholeBatchUpdate() throws {
        let table = ModelTestData.table()
        for mode in OutputMode.allCases {
            var config = ModelTestData.config(mode, epochs: 2)
            config.dropout = 0
            let whole = try temporaryDirectory("whole"), split = try temporaryDirectory("micro")
            let a = try ModelTestData.fit(config, table, whole)
            config.microBatchSize = config.batchSize / 4 + 1
            let b = try ModelTestData.fit(config, table, split)
            XCTAssertEqual(a.history.map(\.step), b.history.map(\.step), "one optimizer step per batch")
            for (x, y) in zip(a.history, b.history) {
                XCTAssertEqual(x.trainRMSE, y.trainRMSE, accuracy: 1e-5, "\(mode)")
                XCTAssertEqual(x.validation.count, y.validation.count, "\(mode)")
                XCTAssertEqual(x.validation.rmse!, y.validation.rmse!, accuracy: 1e-5, "\(mode)")
                XCTAssertEqual(x.validation.pearson!, y.validation.pearson!, accuracy: 1e-5, "\(mode)")
            }
            let wa = ModelTestData.weights(try LPMCheckpoint.load(RunFolder(whole).last))
            let wb = ModelTestData.weights(try LPMCheckpoint.load(RunFolder(split).last))
            XCTAssertEqual(wa.keys.sorted(), wb.keys.sorted())
            for (name, values) in wa {
                for (p, q) in zip(values, wb[name]!) { XCTAssertEqual(p, q, accuracy: 1e-4, "\(mode) \(name)") }
            }
        }
    }

    /// `limit_train_batches` stops each epoch after that many steps (both output modes), and a negative value is
    /// a config error naming the field.
    func testLimitTrainBatchesStopsEachEpochEarly() throws {
        for mode in OutputMode.allCases {
            var config = ModelTestData.config(mode, epochs: 2)
            config.limitTrainBatches = 3
            let run = try ModelTestData.fit(config, ModelTestData.table(), try temporaryDirectory())
            XCTAssertEqual(run.history.map(\.step), [3, 6], "\(mode)")
            XCTAssertEqual(run.history.map(\.trainRows), [3 * config.batchSize, 3 * config.batchSize], "\(mode)")
        }
        var bad = LPMConfig()
        bad.limitTrainBatches = -1
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("limit_train_batches"), "\($0)") }
    }

    /// A shuffle buffer smaller than one batch is a user error naming the field, and nothing is written.
    func testBufferSmallerThanOneBatchIsRejectedBeforeWriting() throws {
        var config = ModelTestData.config(.multiout)
        config.batchSize = 100_000
        config.shuffleBufferMB = 1
        let dir = try temporaryDirectory().appendingPathComponent("run")
        assertUserError(try ModelTestData.fit(config, ModelTestData.table(), dir), mentions: ["shuffle_buffer_mb 1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path), "nothing may be written")
    }

    /// The shuffle buffer emits every record exactly once, in full batches while it is over capacity, never
    /// holds much more than its capacity, and (by dataset) never mixes datasets in a batch.
    func testShuffleBufferEmitsEveryRecordOnce() {
        struct Item: BufferedRecord, Equatable {
            var id: Int; var dataset: Int32; var bufferBytes: Int { 10 }; var measuredCount: Int { 1 }
        }
        for batching in Batching.allCases {
            var buffer = ShuffleBuffer<Item>(capacityBytes: 100, batchSize: 4, batching: batching)
            var rng = SeededRNG(seed: 1)
            var seen: [Int] = [], sizes: [Int] = [], mixedBatches = 0
            func emit(_ batch: [Item]) {
                seen += batch.map(\.id)
                sizes.append(batch.count)
                if Set(batch.map(\.dataset)).count > 1 { mixedBatches += 1 }
            }
            for lo in stride(from: 0, to: 97, by: 6) {
                buffer.add((lo..<min(97, lo + 6)).map { Item(id: $0, dataset: Int32($0 % 3)) }, rng: &rng, emit: emit)
                XCTAssertLessThanOrEqual(buffer.bytes, 100)
            }
            buffer.finish(rng: &rng, emit: emit)
            XCTAssertEqual(seen.sorted(), Array(0..<97), "\(batching)")
            XCTAssertNotEqual(seen, Array(0..<97))
            XCTAssertLessThanOrEqual(buffer.peakBytes, 110)
            if batching == .byDataset {
                XCTAssertEqual(mixedBatches, 0)
            } else {
                XCTAssertGreaterThan(mixedBatches, 10)
            }
            XCTAssertTrue(sizes.prefix(10).allSatisfy { $0 == 4 }, "\(batching): \(sizes)")
        }
    }
}
