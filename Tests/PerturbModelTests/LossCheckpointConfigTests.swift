import Foundation
import PerturbBase
import PerturbData
import PerturbNN
import PerturbTensor
import PerturbTestSupport
import XCTest

@testable import PerturbModel

final class LossCheckpointConfigTests: XCTestCase {
    /// Multi-output loss = mean of squared errors over every measured (row, gene) pair of the batch, computed by hand
    /// from the model's dense predictions (rows with more measured genes weigh more), for exact and merged groups.
    func testMultioutMaskedLossEqualsHandComputation() throws {
        let table = ModelTestData.table()
        let config = ModelTestData.config(.multiout)
        let vocab = Vocabularies(table: table)
        var rng = SeededRNG(seed: 2)
        let model = LPMModel(config: config, vocabularies: vocab, rng: &rng)
        let rows = [0, 1, 40, 41, 60]  // dataset dA (12 genes) and dB (8 genes)
        let corpus = try TrainingCorpus(
            sources: [TableSource(table)], train: [rows], validation: [[]], vocabularies: vocab, shardConditions: 64)
        let records = try corpus.rows(corpus.shards(validation: false)[0])
        XCTAssertEqual(records.map(\.values.count), rows.map { table.conditions[$0].dataset == "dA" ? 12 : 8 })
        for groupCostRows in [0, 1_000_000] {
            var builder = BatchBuilder(
                sets: corpus.sets, panels: corpus.panels, geneCount: vocab.genes.count,
                groupCostRows: groupCostRows)
            let batch = builder.batch(records)
            guard case .panels(let groups) = batch.objective else { return XCTFail("multi-output batch expected") }
            XCTAssertEqual(groups.count, groupCostRows == 0 ? 2 : 1, "exact panels, or one merged group")
            XCTAssertEqual(groups.map { $0.layouts != nil }, groupCostRows == 0 ? [false, false] : [true])
            let graph = Graph(training: false)
            let loss = model.loss(batch, graph: graph).value.scalar
            let p = model.forward(batch.inputs, graph: graph).value
            var sse = 0.0, n = 0
            for i in 0..<batch.inputs.count {
                // Find the table row of batch row i by its codes (the builder reorders rows by panel).
                let row = rows.first { r in
                    let c = table.conditions[r]
                    return vocab.datasets[Int(batch.inputs.dataset[i])] == c.dataset
                        && vocab.contexts[Int(batch.inputs.context[i])] == c.context
                        && Float(LogDose.value(micromolar: c.doseMicromolar)) == batch.inputs.logDose[i]
                }!
                for (c, gene) in table.genes.enumerated() where table.measured[row * table.genes.count + c] {
                    let col = vocab.genes.firstIndex(of: gene)!
                    let e = Double(p[i, col]) - Double(table.logFC[row * table.genes.count + c])
                    sse += e * e; n += 1
                }
            }
            XCTAssertEqual(batch.measured, n)
            var visited = 0
            batch.forEachMeasuredValue { _, _ in visited += 1 }
            XCTAssertEqual(visited, n)
            XCTAssertEqual(
                Double(loss), sse / Double(n), accuracy: 1e-5 * max(1, sse / Double(n)),
                "groupCostRows \(groupCostRows)")
        }
    }

    /// Every config key survives a JSON round trip: a config in which every field differs from its default decodes
    /// to itself, so a field whose decoding is missing fails here (and a new field must be added to this test).
    func testConfigRoundTripKeepsEveryField() throws {
        var c = LPMConfig()
        c.outputMode = .scalar; c.embeddingDim = 16; c.hiddenWidth = 32; c.hiddenLayers = 3; c.dropout = 0.2
        c.compoundEncoder = .fingerprintMLP; c.morganRadius = 3; c.fingerprintBits = 512; c.fingerprintHidden = 64
        c.optimizer = .sgd; c.learningRate = 0.05; c.weightDecay = 0.5; c.lrDecay = 0.5; c.batchSize = 7;
        c.maxEpochs = 9
        c.patience = 4; c.seed = 99; c.threads = 3; c.checkpointEvery = 5; c.mode = .finetune; c.datasets = ["dA"]
        c.initFrom = "run/best.safetensors"; c.freezeCompoundEmbeddings = false; c.shuffleBufferMB = 77
        c.batching = .byDataset; c.shardConditions = 11; c.limitTrainBatches = 6; c.microBatchSize = 2
        c.includeControls = true; c.timeScaleHours = 24; c.checkpointEverySteps = 8
        func object(_ config: LPMConfig) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: try config.jsonData()) as! [String: Any]
        }
        let custom = try object(c), defaults = try object(LPMConfig())
        for key in Set(custom.keys).union(defaults.keys) {
            XCTAssertNotEqual(
                "\(custom[key] ?? "nil")", "\(defaults[key] ?? "nil")", "the test config must change '\(key)'")
        }
        let decoded = try JSONDecoder().decode(LPMConfig.self, from: try c.jsonData())
        XCTAssertEqual(try decoded.jsonData(), try c.jsonData())
    }

    /// A truncated or missing checkpoint gives a user error naming the file.
    func testTruncatedCheckpointGivesClearError() throws {
        let dir = try temporaryDirectory()
        _ = try ModelTestData.fit(ModelTestData.config(.scalar, epochs: 1), ModelTestData.table(), dir)
        let best = RunFolder(dir).best
        let data = try Data(contentsOf: best)
        try data.prefix(data.count / 2).write(to: best)
        assertUserError(try Trainer.loadBest(runDirectory: dir), mentions: [best.path])
        var config = ModelTestData.config(.scalar, epochs: 2)
        config.maxEpochs = 2
        let last = RunFolder(dir).last
        let lastData = try Data(contentsOf: last)
        try lastData.prefix(100).write(to: last)
        assertUserError(
            try ModelTestData.fit(config, ModelTestData.table(), dir, resume: true),
            mentions: ["last.safetensors"])
        assertUserError(try LPMCheckpoint.load(dir.appendingPathComponent("nope")), mentions: ["nope"])
    }

    /// Config files: defaults are the reference's, keys are snake_case, unknown keys and bad values are rejected.
    func testConfigParsingAndValidation() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("c.json")
        try #"{"output_mode": "scalar", "compound_encoder": "morgan_fixed", "batch_size": 16384}"#.write(
            to: file, atomically: true, encoding: .utf8)
        let c = try LPMConfig.read(file)
        XCTAssertEqual(c.outputMode, .scalar)
        XCTAssertEqual(c.compoundEncoder, .morganFixed)
        XCTAssertEqual(c.batchSize, 16384)
        XCTAssertEqual(c.embeddingDim, 128)
        XCTAssertEqual(c.learningRate, 2e-3)
        XCTAssertEqual(c.lrDecay, 0.97)
        XCTAssertEqual(c.dropout, 0.1)
        let roundTrip = try JSONDecoder().decode(LPMConfig.self, from: c.jsonData())
        XCTAssertEqual(roundTrip, c)
        try #"{"batchsize": 3}"#.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LPMConfig.read(file)) { XCTAssertTrue("\($0)".contains("batchsize"), "\($0)") }
        try #"{"output_mode": "vector"}"#.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LPMConfig.read(file)) { XCTAssertTrue("\($0)".contains("output_mode"), "\($0)") }
        var bad = LPMConfig()
        bad.mode = .finetune
        bad.datasets = ["x"]
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("init_from"), "\($0)") }
        for file in [
            "lpm-multiout.json", "lpm-scalar.json", "morgan-fixed.json", "morgan-learned.json", "fingerprint-mlp.json",
            "finetune-frozen.json", "scratch-target.json",
        ] {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
                .appendingPathComponent("experiments/pretrain/\(file)")
            var config = try LPMConfig.read(url)
            if config.mode != .all {
                config.initFrom = config.initFrom ?? "x";
                config.datasets = config.datasets.isEmpty ? ["x"] : config.datasets
            }
            XCTAssertNoThrow(try config.validate(), file)
        }
    }

    /// Vocabularies are global, sorted, with Control first; a run on one dataset keeps tables sized for all.
    func testVocabulariesAreGlobalAndSorted() throws {
        let table = ModelTestData.table()
        let vocab = Vocabularies(table: table)
        XCTAssertEqual(vocab.compounds.first, "Control")
        XCTAssertEqual(Array(vocab.compounds.dropFirst()), (0..<8).map { "K\($0)" })
        XCTAssertEqual(vocab.genes, vocab.genes.sorted())
        var config = ModelTestData.config(.scalar, epochs: 1)
        config.mode = .scratch
        config.datasets = ["dB"]
        let dir = try temporaryDirectory()
        let run = try ModelTestData.fit(config, table, dir, vocabularies: vocab)
        XCTAssertEqual(Set(run.perDatasetValidationRMSE.keys), ["dB"])
        let model = try Trainer.loadBest(runDirectory: dir)
        XCTAssertEqual(model.compoundParameters[0].shape, [9, 8])
        XCTAssertEqual(model.vocabularies.compoundTrainingDatasets[1], ["dB"])
    }
}
