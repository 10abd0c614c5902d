import Foundation
import PerturbBase
import PerturbChem
import PerturbData
import PerturbNN
import PerturbTestSupport
import XCTest

@testable import PerturbModel

final class EncoderTests: XCTestCase {
    /// The Morgan-fixed table is exactly the RDKit Morgan bits (r = 2, bits = D), zero for Control and for a compound
    /// without SMILES, and training leaves it unchanged.
    func testMorganFixedTableEqualsFingerprintsAndStaysFixed() throws {
        var table = ModelTestData.table()
        table.compounds["K7"]!.canonicalSmiles = ""
        var config = ModelTestData.config(.scalar, encoder: .morganFixed, epochs: 2)
        config.embeddingDim = 32
        let vocab = Vocabularies(table: table)
        var rng = SeededRNG(seed: 1)
        let model = LPMModel(config: config, vocabularies: vocab, rng: &rng)
        let weight = model.compoundParameters[0]
        XCTAssertEqual(weight.name, "perturb_embedding_layer.weight")
        XCTAssertTrue(weight.frozen)
        XCTAssertEqual(weight.shape, [vocab.compounds.count, 32])
        for (i, key) in vocab.compounds.enumerated() {
            let row = Array(weight.value.scalars[(i * 32)..<((i + 1) * 32)])
            let smiles = vocab.compoundSmiles[i]
            if key == Vocabularies.control || smiles.isEmpty {
                XCTAssertEqual(row, [Float](repeating: 0, count: 32), key)
            } else {
                let expected = try Morgan.fingerprint(smiles: smiles, options: MorganOptions(radius: 2, bits: 32))
                    .toFloats()
                XCTAssertEqual(row, expected, key)
                XCTAssertGreaterThan(row.reduce(0, +), 0)
            }
        }
        XCTAssertEqual(model.zeroFingerprintCompounds, ["K7"])
        let dir = try temporaryDirectory()
        _ = try ModelTestData.fit(config, table, dir)
        let trained = try Trainer.loadBest(runDirectory: dir)
        XCTAssertEqual(trained.compoundParameters[0].value.scalars, weight.value.scalars)
    }

    /// Morgan-learned starts from the same table but trains it.
    func testMorganLearnedTableStartsFromFingerprintsAndChanges() throws {
        let table = ModelTestData.table()
        let config = ModelTestData.config(.scalar, encoder: .morganLearned, epochs: 2)
        var rng = SeededRNG(seed: 1)
        let initial = LPMModel(config: config, vocabularies: Vocabularies(table: table), rng: &rng).compoundParameters[
            0]
        XCTAssertFalse(initial.frozen)
        let key = 1
        let expected = try Morgan.fingerprint(
            smiles: Vocabularies(table: table).compoundSmiles[key], options: MorganOptions(radius: 2, bits: 8)
        ).toFloats()
        XCTAssertEqual(Array(initial.value.scalars[8..<16]), expected)
        let dir = try temporaryDirectory()
        _ = try ModelTestData.fit(config, table, dir)
        XCTAssertNotEqual(
            try Trainer.loadBest(runDirectory: dir).compoundParameters[0].value.scalars, initial.value.scalars)
    }

    /// Fine-tuning from a pretrained checkpoint on one dataset: the compound table is exactly the pretrained one,
    /// every other tensor moved; vocabularies stay global; the epoch counter restarts.
    func testFineTuneKeepsCompoundTableFrozen() throws {
        let table = ModelTestData.table()
        for mode in OutputMode.allCases {
            let pretrainDir = try temporaryDirectory("pre")
            _ = try ModelTestData.fit(ModelTestData.config(mode, epochs: 2), table, pretrainDir)
            let pretrained = ModelTestData.weights(try Trainer.loadBest(runDirectory: pretrainDir))
            let target = table.filter(dataset: "dB")
            let fineDir = try temporaryDirectory("fine")
            let run = try ModelTestData.fit(
                ModelTestData.config(mode, epochs: 3), target, fineDir, initFrom: pretrainDir, freeze: true)
            XCTAssertEqual(run.history.first?.epoch, 1)
            let tuned = try Trainer.loadBest(runDirectory: fineDir)
            XCTAssertEqual(tuned.vocabularies.datasets, ["dA", "dB"], "global vocabulary from the checkpoint")
            let after = ModelTestData.weights(tuned)
            XCTAssertEqual(after["perturb_embedding_layer.weight"], pretrained["perturb_embedding_layer.weight"])
            for name in ["neural_network.layers.0.weight", "context_embedding_layer.weight", "log_dose_layer.weight"] {
                XCTAssertNotEqual(after[name], pretrained[name], "\(mode): \(name) must train")
            }
            let (tensors, _) = try SafeTensors.read(RunFolder(fineDir).last)
            XCTAssertNil(tensors["adam_m/perturb_embedding_layer.weight"], "frozen table has no optimizer state")
        }
    }

    /// Fine-tuning needs a checkpoint of the same architecture: a mismatch is a clear error naming the tensor.
    func testFineTuneFromIncompatibleCheckpointFails() throws {
        let table = ModelTestData.table()
        let pretrainDir = try temporaryDirectory("pre")
        _ = try ModelTestData.fit(ModelTestData.config(.scalar, epochs: 1), table, pretrainDir)
        var other = ModelTestData.config(.scalar, epochs: 1)
        other.hiddenWidth = 12
        XCTAssertThrowsError(try ModelTestData.fit(other, table, try temporaryDirectory(), initFrom: pretrainDir)) {
            error in
            XCTAssertTrue("\(error)".contains("neural_network.layers.0.weight"), "\(error)")
        }
    }

    /// The fingerprint MLP embeds molecules outside the vocabulary and predicts for unseen compounds.
    func testFingerprintEncoderEmbedsUnseenMolecules() throws {
        let table = ModelTestData.table()
        let seen = table.selecting(rows: table.conditions.indices.filter { table.conditions[$0].compounds != ["K0"] })
        let config = ModelTestData.config(.multiout, encoder: .fingerprintMLP, epochs: 2)
        let dir = try temporaryDirectory()
        let rows = Array(seen.conditions.indices)
        _ = try Trainer.fit(
            config: config, data: seen, trainRows: rows, validationRows: [], runDirectory: dir, progress: false)
        let model = try Trainer.loadBest(runDirectory: dir)
        XCTAssertFalse(model.vocabularies.compounds.contains("K0"))
        let unseen = table.selecting(rows: table.conditions.indices.filter { table.conditions[$0].compounds == ["K0"] })
        let prediction = try model.predict(unseen)
        XCTAssertEqual(prediction.count, unseen.rowCount * unseen.genes.count)
        XCTAssertTrue(prediction.allSatisfy(\.isFinite))
        let a = try model.embed(smiles: [ModelTestData.smiles[0], ModelTestData.smiles[1]])
        XCTAssertEqual(a.count, 2 * config.embeddingDim)
        XCTAssertNotEqual(Array(a[0..<8]), Array(a[8..<16]))
        // A vocabulary molecule embeds the same through its SMILES as through the table.
        let (keys, matrix, d) = model.compoundEmbeddings()
        let k1 = keys.firstIndex(of: "K1")!
        let viaSmiles = try model.embed(smiles: [model.vocabularies.compoundSmiles[k1 + 1]])
        for j in 0..<d { XCTAssertEqual(viaSmiles[j], matrix[k1 * d + j], accuracy: 1e-6) }
        XCTAssertThrowsError(try model.embed(smiles: ["C1CC"])) { XCTAssertTrue("\($0)".contains("row 0"), "\($0)") }
        // A table model cannot embed new molecules.
        let tableDir = try temporaryDirectory("table")
        _ = try Trainer.fit(
            config: ModelTestData.config(.multiout, epochs: 1), data: seen, trainRows: rows, validationRows: [],
            runDirectory: tableDir, progress: false)
        XCTAssertThrowsError(try Trainer.loadBest(runDirectory: tableDir).embed(smiles: ["CCO"]))
        XCTAssertThrowsError(try Trainer.loadBest(runDirectory: tableDir).predict(unseen)) {
            XCTAssertTrue("\($0)".contains("K0"), "\($0)")
        }
    }
}
