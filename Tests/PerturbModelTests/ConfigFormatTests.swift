import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbModel

/// `LPMConfig.read` on JSON, YAML and TOML: one schema, identical configs and runs, errors naming key and line.
final class ConfigFormatTests: XCTestCase {
    /// The same non-default settings in each format (integers given for doubles, exponents, arrays, booleans).
    static let documents: [(String, String)] = [
        (
            "json",
            """
            {"output_mode": "multiout", "embedding_dim": 8, "hidden_width": 16, "hidden_layers": 1, "dropout": 0.2,
             "compound_encoder": "learned", "fingerprint_bits": 64, "fingerprint_hidden": 16, "learning_rate": 1e-2,
             "weight_decay": 0.001, "lr_decay": 0.9, "batch_size": 8, "max_epochs": 2, "seed": 7, "threads": 1,
             "shard_conditions": 16, "shuffle_buffer_mb": 1, "time_scale_hours": 24, "datasets": ["dA", "dB"],
             "include_controls": true, "init_from": "runs/a b"}
            """
        ),
        (
            "yaml",
            """
            # tiny run
            output_mode: multiout
            embedding_dim: 8
            hidden_width: 16
            hidden_layers: 1
            dropout: 0.2
            compound_encoder: learned
            fingerprint_bits: 64
            fingerprint_hidden: 16
            learning_rate: 1e-2
            weight_decay: 0.001
            lr_decay: 0.9
            batch_size: 8
            max_epochs: 2
            seed: 7
            threads: 1
            shard_conditions: 16
            shuffle_buffer_mb: 1
            time_scale_hours: 24
            datasets: [dA, dB]
            include_controls: true
            init_from: "runs/a b"
            """
        ),
        (
            "toml",
            """
            # tiny run
            output_mode = "multiout"
            embedding_dim = 8
            hidden_width = 16
            hidden_layers = 1
            dropout = 0.2
            compound_encoder = "learned"
            fingerprint_bits = 64
            fingerprint_hidden = 16
            learning_rate = 1e-2
            weight_decay = 0.001
            lr_decay = 0.9
            batch_size = 8
            max_epochs = 2
            seed = 7
            threads = 1
            shard_conditions = 16
            shuffle_buffer_mb = 1
            time_scale_hours = 24
            datasets = ["dA", "dB"]
            include_controls = true
            init_from = "runs/a b"
            """
        ),
    ]

    private func write(_ text: String, _ name: String, _ dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func message(_ body: () throws -> Any) -> String {
        do { _ = try body() } catch { return "\(error)" }
        return "no error"
    }

    /// All three give the same config, which trains to the same first-epoch loss.
    func testJSONYAMLAndTOMLGiveTheSameConfigAndRun() throws {
        let dir = try temporaryDirectory()
        let configs = try Self.documents.map { try LPMConfig.read(write($0.1, "c.\($0.0)", dir)) }
        var expected = LPMConfig()
        expected.embeddingDim = 8; expected.hiddenWidth = 16; expected.hiddenLayers = 1; expected.dropout = 0.2
        expected.fingerprintBits = 64; expected.fingerprintHidden = 16; expected.learningRate = 1e-2
        expected.weightDecay = 0.001; expected.lrDecay = 0.9; expected.batchSize = 8; expected.maxEpochs = 2;
        expected.seed = 7
        expected.threads = 1; expected.shardConditions = 16; expected.shuffleBufferMB = 1; expected.timeScaleHours = 24
        expected.datasets = ["dA", "dB"]; expected.includeControls = true; expected.initFrom = "runs/a b"
        for (config, (format, _)) in zip(configs, Self.documents) { XCTAssertEqual(config, expected, format) }
        XCTAssertEqual(try LPMConfig.read(write(Self.documents[1].1, "c.yml", dir)), expected, ".yml")

        let table = ModelTestData.table()
        let firstEpochs = try configs.enumerated().map { i, config -> EpochMetrics in
            var c = config
            c.initFrom = nil
            c.maxEpochs = 1
            return try XCTUnwrap(ModelTestData.fit(c, table, dir.appendingPathComponent("run\(i)")).history.first)
        }
        XCTAssertEqual(firstEpochs[1].trainRMSE, firstEpochs[0].trainRMSE)
        XCTAssertEqual(firstEpochs[2].trainRMSE, firstEpochs[0].trainRMSE)
        XCTAssertEqual(firstEpochs[1].validation, firstEpochs[0].validation)
        XCTAssertEqual(firstEpochs[2].validation, firstEpochs[0].validation)
    }

    /// Unknown keys name the key (and the line in YAML); syntax errors and type errors name file and line or field.
    func testErrorsNameTheKeyAndLine() throws {
        let dir = try temporaryDirectory()
        let yaml = try write("seed: 3\nbatchsize: 8\n", "u.yaml", dir)
        XCTAssertTrue(
            message { try LPMConfig.read(yaml) }.contains("\(yaml.path): line 2: LPM config: unknown key 'batchsize'"),
            message { try LPMConfig.read(yaml) })
        let toml = try write("seed = 3\nbatchsize = 8\n", "u.toml", dir)
        XCTAssertTrue(
            message { try LPMConfig.read(toml) }.contains("unknown key 'batchsize'"),
            message { try LPMConfig.read(toml) })
        let json = try write(#"{"seed": 3, "batchsize": 8}"#, "u.json", dir)
        XCTAssertTrue(
            message { try LPMConfig.read(json) }.contains("unknown key 'batchsize'"),
            message { try LPMConfig.read(json) })

        let badYAML = try write("seed: 3\ndropout: [0.1\n", "s.yaml", dir)
        let yamlSyntax = message { try LPMConfig.read(badYAML) }
        XCTAssertTrue(
            yamlSyntax.contains(badYAML.path) && yamlSyntax.contains("line 3") && yamlSyntax.contains("not valid YAML"),
            yamlSyntax)
        // A table header without a name (toml++ would abort on it), and valid nested arrays that start lines.
        let header = try write("seed = 3\n[\nbatch_size = 8\n", "h.toml", dir)
        XCTAssertTrue(
            message { try LPMConfig.read(header) }.contains("\(header.path): line 2: not valid TOML"),
            message { try LPMConfig.read(header) })
        let nested = try write("datasets = [\n  \"a\", # [\n  \"\"\"b\n[\"\"\",\n]\nseed = 3\n", "n.toml", dir)
        XCTAssertEqual(try LPMConfig.read(nested).datasets, ["a", "b\n["])
        XCTAssertNil(TOMLTableHeaders.lineWithoutKey(in: "x = [\n[1, 2],\n  [\n3]\n]\n[table]\n[[list]]\n['q']\n"))
        XCTAssertEqual(TOMLTableHeaders.lineWithoutKey(in: "a = 1\n[[\n"), 2)
        XCTAssertEqual(TOMLTableHeaders.lineWithoutKey(in: "a = '''x\ny'''\n  [ = 2\n"), 3)
        let badTOML = try write("seed = 3\ndropout = = 1\n", "s.toml", dir)
        let tomlSyntax = message { try LPMConfig.read(badTOML) }
        XCTAssertTrue(
            tomlSyntax.contains(badTOML.path) && tomlSyntax.contains("line 2") && tomlSyntax.contains("not valid TOML"),
            tomlSyntax)
        let wrongType = try write("seed: 3\nbatch_size: many\n", "t.yaml", dir)
        let typeError = message { try LPMConfig.read(wrongType) }
        XCTAssertTrue(typeError.contains("line 2") && typeError.contains("batch_size"), typeError)
        let list = try write("- seed\n", "l.yaml", dir)
        XCTAssertTrue(message { try LPMConfig.read(list) }.contains("mapping"), message { try LPMConfig.read(list) })
        let other = try write("seed: 3", "c.ini", dir)
        XCTAssertTrue(message { try LPMConfig.read(other) }.contains("'.ini'"), message { try LPMConfig.read(other) })
    }
}
