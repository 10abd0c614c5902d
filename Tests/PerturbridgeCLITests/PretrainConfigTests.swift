import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

/// `pretrain --config` in JSON, YAML and TOML, and `--print-config`.
final class PretrainConfigTests: XCTestCase {
    /// One tiny multi-output config in the three formats.
    func writeConfigs(in dir: URL) throws -> [String] {
        [
            try CLIFixtures.write(
                """
                {"output_mode": "multiout", "embedding_dim": 8, "hidden_width": 16, "hidden_layers": 1, "dropout": 0.1,
                 "batch_size": 32, "max_epochs": 2, "seed": 5, "threads": 1, "learning_rate": 2e-3, "time_scale_hours": 24}
                """, to: "tiny.json", in: dir
            ).path,
            try CLIFixtures.write(
                """
                output_mode: multiout
                embedding_dim: 8
                hidden_width: 16
                hidden_layers: 1
                dropout: 0.1
                batch_size: 32
                max_epochs: 2
                seed: 5
                threads: 1
                learning_rate: 2e-3
                time_scale_hours: 24
                """, to: "tiny.yaml", in: dir
            ).path,
            try CLIFixtures.write(
                """
                output_mode = "multiout"
                embedding_dim = 8
                hidden_width = 16
                hidden_layers = 1
                dropout = 0.1
                batch_size = 32
                max_epochs = 2
                seed = 5
                threads = 1
                learning_rate = 2e-3
                time_scale_hours = 24
                """, to: "tiny.toml", in: dir
            ).path,
        ]
    }

    /// The three files resolve (with a flag override) to the same printed config, which the run folder saves; their
    /// runs record the same first-epoch losses.
    func testFormatsResolveAndTrainIdentically() throws {
        let dir = try temporaryDirectory()
        let configs = try writeConfigs(in: dir)
        let printed = try configs.map {
            try runOK(["pretrain", "--config", $0, "--epochs", "1", "--print-config"]).stdout
        }
        XCTAssertEqual(printed[1], printed[0], "YAML")
        XCTAssertEqual(printed[2], printed[0], "TOML")
        let resolved = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(printed[0].utf8)) as? [String: Any])
        XCTAssertEqual(resolved["max_epochs"] as? Int, 1, "the --epochs override is applied")
        XCTAssertEqual(resolved["embedding_dim"] as? Int, 8)

        let sim = try CLIFixtures.simulated()
        let files = CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
        var firstEpochs: [[String]] = []
        for (i, config) in configs.enumerated() {
            let run = dir.appendingPathComponent("run\(i)")
            try runOK(
                ["pretrain", "--config", config, "--effects"] + files + [
                    "--output", run.path, "--epochs", "1", "--quiet",
                ], timeout: 120)
            XCTAssertEqual(
                try String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8) + "\n", printed[0],
                "config.json holds the resolved config")
            let metrics = try DelimitedTable.read(run.appendingPathComponent("metrics.csv"))
            firstEpochs.append(try ["train_rmse", "val_rmse", "step"].map { try metrics.column($0).first ?? "" })
        }
        XCTAssertFalse(firstEpochs[0][0].isEmpty)
        XCTAssertEqual(firstEpochs[1], firstEpochs[0], "YAML run")
        XCTAssertEqual(firstEpochs[2], firstEpochs[0], "TOML run")
    }

    func testUnknownKeysAndBadSyntaxAreNamed() throws {
        let dir = try temporaryDirectory()
        let yaml = try CLIFixtures.write("seed: 5\nhiden_width: 16\n", to: "bad.yaml", in: dir).path
        try runUserError(
            ["pretrain", "--config", yaml, "--print-config"], mentions: [yaml, "line 2", "unknown key 'hiden_width'"])
        let toml = try CLIFixtures.write("seed = 5\nhiden_width = 16\n", to: "bad.toml", in: dir).path
        try runUserError(
            ["pretrain", "--config", toml, "--print-config"], mentions: [toml, "unknown key 'hiden_width'"])
        let syntax = try CLIFixtures.write("seed = 5\nbatch_size = [\n", to: "syntax.toml", in: dir).path
        try runUserError(
            ["pretrain", "--config", syntax, "--print-config"], mentions: [syntax, "not valid TOML", "line"])
        try runUserError(
            [
                "evaluate", "holdout", "--effects", "x.h5ad", "--config", yaml, "--output",
                dir.appendingPathComponent("h").path,
            ],
            mentions: [yaml, "hiden_width"])
        try runUserError(["pretrain", "--config", try writeConfigs(in: dir)[1]], mentions: ["--effects"])
    }
}
