import PerturbBase
import PerturbIO
import PerturbTensor
import PerturbTestSupport
import XCTest

/// `pretrain` and `embed` at tiny sizes: a run, embeddings from it, a killed run resumed, damaged checkpoints.
final class PretrainTests: XCTestCase {
    /// A tiny multi-output LPM config (trains in seconds in debug builds).
    func writeConfig(in dir: URL, encoder: String = "learned") throws -> String {
        try CLIFixtures.write(
            """
            {"output_mode": "multiout", "compound_encoder": "\(encoder)", "embedding_dim": 8, "hidden_width": 16,
             "hidden_layers": 1, "dropout": 0.1, "batch_size": 32, "max_epochs": 2, "patience": 0, "seed": 5,
             "threads": 1, "checkpoint_every": 1, "mode": "all", "fingerprint_bits": 64, "fingerprint_hidden": 16}
            """, to: "tiny-\(encoder).json", in: dir
        ).path
    }

    func simulatedFiles() throws -> [String] {
        let sim = try CLIFixtures.simulated()
        return CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
    }

    /// The number in `key\tN` lines of pretrain's stdout.
    func value(_ key: String, in stdout: String) -> String? {
        stdout.split(separator: "\n").first { $0.hasPrefix(key + "\t") }.map { String($0.dropFirst(key.count + 1)) }
    }

    func testPretrainThenEmbed() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir)
        let run = dir.appendingPathComponent("run")
        let result = try runOK(
            ["pretrain", "--config", config, "--effects"] + simulatedFiles() + ["--output", run.path, "--quiet"],
            timeout: 120)
        XCTAssertEqual(value("epochs", in: result.stdout), "2", result.transcript)
        XCTAssertNotNil(value("best_val_rmse", in: result.stdout).flatMap(Double.init), result.transcript)
        for file in ["best.safetensors", "last.safetensors", "config.json", "run.json", "split.tsv"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path),
                "pretrain wrote no \(file)")
        }
        let runFiles = try FileManager.default.contentsOfDirectory(atPath: run.path)
        XCTAssertEqual(
            runFiles.filter { $0.hasPrefix("events.out.tfevents.") }.count, 1, "one TensorBoard event file: \(runFiles)"
        )
        // `inspect` on the run folder: the record, the config and the model's sizes.
        let inspect = try runOK(["inspect", run.path])
        for text in [
            "training run", "epochsCompleted: 2", "embedding_dim: 8", "vocabularies:", "parameters:",
            "dataset_embedding_layer.weight",
        ] {
            XCTAssertTrue(inspect.stdout.contains(text), "inspect of a run folder lacks '\(text)':\n\(inspect.stdout)")
        }
        let parameters = inspect.stdout.split(separator: "\n").first { $0.hasPrefix("parameters: ") }
            .flatMap { Int($0.split(separator: " ")[1]) }
        let listed = inspect.stdout.split(separator: "\n").filter {
            $0.hasPrefix("  ") && ($0.contains(".weight: ") || $0.contains(".bias: "))
        }
        .compactMap { Int($0.split(separator: " ").last!) }
        XCTAssertEqual(parameters, listed.reduce(0, +), "the total is the sum of the tensors")
        // A second run into the same folder without --resume is refused (nothing is overwritten).
        try runUserError(
            ["pretrain", "--config", config, "--effects"] + simulatedFiles() + ["--output", run.path, "--quiet"],
            mentions: [run.path, "--resume"])

        let embeddings = dir.appendingPathComponent("emb.h5ad")
        let embed = try runOK(["embed", "--checkpoint", run.path, "--output", embeddings.path])
        let adata = try H5ADReader(url: embeddings).readAll()
        XCTAssertEqual(adata.shape.cols, 8)
        XCTAssertGreaterThan(adata.shape.rows, 10)
        XCTAssertTrue(embed.stdout.contains("\(adata.shape.rows) compounds × 8 dims"), embed.transcript)
        for column in ["inchikey", "canonical_smiles", "datasets_seen"] {
            XCTAssertNotNil(adata.obs.column(column), "embeddings obs has no \(column)")
        }
        let x = try XCTUnwrap(adata.X).toDense()
        XCTAssertTrue(x.values.allSatisfy(\.isFinite))
        let csv = dir.appendingPathComponent("emb.csv")
        try runOK(["embed", "--checkpoint", run.appendingPathComponent("best.safetensors").path, "--output", csv.path])
        XCTAssertEqual(try DelimitedTable.read(csv).rows.count, adata.shape.rows)

        // The embeddings feed the OP3 evaluation (the main job's last step).
        let op3 = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad").path
        let evaluation = try runOK(
            [
                "evaluate", "op3", "--effects", op3, "--layer", "logFC", "--features", "lpm=\(embeddings.path),none",
                "--seeds", "0", "--epochs", "2", "--ensemble", "1", "--components", "4", "--hidden", "8",
                "--bootstrap", "20", "--output", dir.appendingPathComponent("op3").path, "--quiet",
            ], timeout: 120)
        XCTAssertTrue(evaluation.stdout.contains("| lpm |"), evaluation.transcript)

        // New molecules need an inductive (fingerprint_mlp) checkpoint; a lookup-table one says so.
        let smiles = try CLIFixtures.write("CCO\n", to: "new.txt", in: dir).path
        try runUserError(
            [
                "embed", "--checkpoint", run.path, "--output", dir.appendingPathComponent("new.csv").path, "--smiles",
                smiles,
            ],
            mentions: ["fingerprint_mlp"])
    }

    func testEmbedNewMoleculesWithAFingerprintEncoder() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir, encoder: "fingerprint_mlp")
        let run = dir.appendingPathComponent("run")
        try runOK(
            ["pretrain", "--config", config, "--effects"] + simulatedFiles() + [
                "--output", run.path, "--epochs", "1", "--quiet",
            ], timeout: 120)
        let good = try CLIFixtures.write(
            CLIFixtures.drugs.map(\.smiles).joined(separator: "\n") + "\n", to: "new.txt", in: dir
        ).path
        let out = dir.appendingPathComponent("new.csv")
        let result = try runOK(["embed", "--checkpoint", run.path, "--output", out.path, "--smiles", good])
        let table = try DelimitedTable.read(out)
        // aspirin
        XCTAssertTrue(try table.column("inchikey").contains("BSYNRYMUTXBXSQ-UHFFFAOYSA-N"), result.transcript)
        // An invalid SMILES: the message names the file, the line and the SMILES; nothing is written.
        let bad = try CLIFixtures.write("CCO\nC1CC(\n", to: "bad.txt", in: dir).path
        let badOut = dir.appendingPathComponent("bad.csv").path
        try runUserError(
            ["embed", "--checkpoint", run.path, "--output", badOut, "--smiles", bad], mentions: [bad, "C1CC("])
        XCTAssertFalse(FileManager.default.fileExists(atPath: badOut))
    }

    func testKilledRunResumesFromItsLastCheckpoint() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir)
        let run = dir.appendingPathComponent("run")
        let epochs = 40
        let arguments =
            ["pretrain", "--config", config, "--effects"] + (try simulatedFiles()) + [
                "--output", run.path, "--epochs", String(epochs),
            ]
        let child = try CLI.start(arguments)
        let last = run.appendingPathComponent("last.json")
        let deadline = Date().addingTimeInterval(90)
        while !FileManager.default.fileExists(atPath: last.path) && Date() < deadline && !child.wait(timeout: 0.02) {}
        child.kill()
        XCTAssertTrue(child.wait(timeout: 20))
        let killed = child.result()
        XCTAssertNotEqual(
            killed.status, 0, "the run ended before it could be killed; raise the epoch count:\n\(killed.transcript)")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: run.appendingPathComponent("last.safetensors").path),
            killed.transcript)
        // The killed run's folder does not pass for a finished one.
        let finished = run.appendingPathComponent("finished.json")
        XCTAssertFalse(FileManager.default.fileExists(atPath: finished.path), "a killed run left finished.json")
        let inspected = try runOK(["inspect", run.path]).stdout
        XCTAssertTrue(inspected.contains("status: not finished"), inspected)
        XCTAssertNotNil(
            inspected.range(of: "last checkpoint: after epoch [0-9]+ \\(step [0-9]+\\)", options: .regularExpression),
            inspected)

        let resumed = try runOK(arguments + ["--resume"], timeout: 120)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: finished.path),
            "the resumed run ended without finished.json")
        XCTAssertTrue(try runOK(["inspect", run.path]).stdout.contains("status: finished"))
        XCTAssertEqual(value("epochs", in: resumed.stdout), String(epochs), resumed.transcript)
        let pattern = try NSRegularExpression(pattern: "resuming .* after epoch ([0-9]+)")
        let match = pattern.firstMatch(
            in: resumed.stderr, range: NSRange(resumed.stderr.startIndex..., in: resumed.stderr))
        let resumedAfter = match.flatMap { Range($0.range(at: 1), in: resumed.stderr) }.flatMap {
            Int(resumed.stderr[$0])
        }
        XCTAssertNotNil(
            resumedAfter, "pretrain --resume should say which epoch it resumes after:\n\(resumed.transcript)")
        if let resumedAfter { XCTAssertTrue((1..<epochs).contains(resumedAfter), resumed.transcript) }

        // Same seed and threads: the resumed run ends where an uninterrupted one does.
        try assertEndsAsUninterrupted(run, resumed: resumed, arguments: arguments, in: dir)
    }

    /// Runs `arguments` again uninterrupted into a fresh folder: the same epochs, best epoch and best validation RMSE
    /// as the resumed run's stdout, with bit-identical weights and optimizer moments (safetensors files are written
    /// with sorted keys); returns the fresh folder.
    @discardableResult
    func assertEndsAsUninterrupted(
        _ run: URL, resumed: ProcessResult, arguments: [String], in dir: URL, file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> URL {
        let fresh = dir.appendingPathComponent("fresh")
        let uninterrupted = try runOK(arguments.map { $0 == run.path ? fresh.path : $0 } + ["--quiet"], timeout: 120)
        for key in ["epochs", "best_epoch", "best_val_rmse"] {
            XCTAssertEqual(
                value(key, in: resumed.stdout), value(key, in: uninterrupted.stdout), "\(key) differs after resume",
                file: file, line: line)
        }
        for name in ["last.safetensors", "best.safetensors"] {
            let a = try Data(contentsOf: run.appendingPathComponent(name)),
                b = try Data(contentsOf: fresh.appendingPathComponent(name))
            XCTAssertEqual(
                a, b, "\(name) of the killed and resumed run differs from the uninterrupted run's", file: file,
                line: line)
        }
        return fresh
    }

    /// A run killed inside an epoch (`checkpoint_every_steps`) resumes after the last step its `last` checkpoint
    /// saved, says so, and ends with the weights, optimizer state and per-epoch metrics of an uninterrupted run. The
    /// run is paused (SIGSTOP) until its sidecar shows a mid-epoch save, then killed.
    func testRunKilledInsideAnEpochResumesAfterItsLastSavedStep() throws {
        let dir = try temporaryDirectory()
        let config = try CLIFixtures.write(
            """
            {"output_mode": "multiout", "compound_encoder": "learned", "embedding_dim": 8, "hidden_width": 16,
             "hidden_layers": 1, "dropout": 0.1, "batch_size": 4, "max_epochs": 3, "patience": 0, "seed": 5,
             "threads": 1, "checkpoint_every": 0, "checkpoint_every_steps": 5, "mode": "all"}
            """, to: "steps.json", in: dir
        ).path
        let run = dir.appendingPathComponent("run")
        let arguments =
            ["pretrain", "--config", config, "--effects"] + (try simulatedFiles()) + ["--output", run.path]
        let sidecar = run.appendingPathComponent("last.json")
        func savedInsideAnEpoch() -> Bool {
            (try? String(contentsOf: sidecar, encoding: .utf8))?.contains("epochProgress") ?? false
        }
        let child = try CLI.start(arguments)
        let deadline = Date().addingTimeInterval(90)
        var paused = false
        while !paused && Date() < deadline && !child.wait(timeout: 0.002) {
            guard savedInsideAnEpoch() else { continue }
            child.signal(SIGSTOP)
            usleep(50_000)
            paused = savedInsideAnEpoch()
            if !paused { child.signal(SIGCONT) }
        }
        child.kill()
        XCTAssertTrue(child.wait(timeout: 20))
        let killed = child.result()
        XCTAssertTrue(paused, "no mid-epoch checkpoint before the run ended:\n\(killed.transcript)")
        XCTAssertNotEqual(killed.status, 0, killed.transcript)
        let inspected = try runOK(["inspect", run.path]).stdout
        XCTAssertNotNil(
            inspected.range(of: "last checkpoint: in epoch [1-3] after its step [0-9]+ ", options: .regularExpression),
            inspected)
        // The epoch's batches are only the same with the same batch size.
        try runUserError(
            arguments + ["--resume", "--batch-size", "8"],
            mentions: [run.appendingPathComponent("last.safetensors").path, "batch_size"])

        let resumed = try runOK(arguments + ["--resume"], timeout: 120)
        let pattern = try NSRegularExpression(pattern: "resuming .* in epoch ([0-9]+) after its step ([0-9]+)")
        let match = pattern.firstMatch(
            in: resumed.stderr, range: NSRange(resumed.stderr.startIndex..., in: resumed.stderr))
        XCTAssertNotNil(match, "pretrain --resume should say where in the epoch it resumes:\n\(resumed.transcript)")
        if let match, let range = Range(match.range(at: 2), in: resumed.stderr) {
            XCTAssertEqual(Int(resumed.stderr[range])! % 5, 0, "resumed after a step that was not saved")
        }

        let fresh = try assertEndsAsUninterrupted(run, resumed: resumed, arguments: arguments, in: dir)
        // Per-epoch metrics but the timings: the resumed epoch's train RMSE and rows include the steps before the kill.
        func metrics(_ folder: URL) throws -> [[String]] {
            let table = try DelimitedTable.read(folder.appendingPathComponent("metrics.csv"))
            let kept = table.header.indices.filter {
                !["seconds", "rows_per_s", "peak_rss_mb"].contains(table.header[$0])
            }
            return table.rows.map { row in kept.map { row[$0] } }
        }
        XCTAssertEqual(try metrics(run), try metrics(fresh))
        XCTAssertEqual(try metrics(run).count, 3)
    }

    /// `run.json` names the OpenBLAS kernels the run used: never the generic fallback on a CPU with AVX2 or AVX-512
    /// (the program relaunches on fast ones where OpenBLAS did not know the CPU), and the user's `OPENBLAS_CORETYPE`
    /// when one is set.
    func testRunRecordsItsBLASKernelsAndAvoidsTheGenericFallback() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir)
        func kernels(environment: [String: String]) throws -> String? {
            let run = dir.appendingPathComponent("run-\(environment.count)")
            let arguments =
                ["pretrain", "--config", config, "--effects"] + (try simulatedFiles()) + [
                    "--output", run.path, "--epochs", "1", "--quiet",
                ]
            let result = try Subprocess.run(CLI.executable(), arguments, environment: environment, timeout: 120)
            XCTAssertEqual(result.status, 0, result.transcript)
            let record = try JSONSerialization.jsonObject(
                with: Data(contentsOf: run.appendingPathComponent("run.json")))
            return (record as? [String: Any])?["blasCore"] as? String
        }
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            let chosen = try XCTUnwrap(kernels(environment: [:]), "run.json names no BLAS kernels")
            if BLASCore.cpuVectorLevel >= 1 {
                XCTAssertNotEqual(chosen.lowercased(), "prescott", "a CPU with AVX2 ran OpenBLAS's generic kernels")
            }
        }
        XCTAssertEqual(try kernels(environment: ["OPENBLAS_CORETYPE": "Prescott"])?.lowercased(), "prescott")
    }

    func testTruncatedCheckpointIsNamed() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir)
        let run = dir.appendingPathComponent("run")
        let arguments =
            ["pretrain", "--config", config, "--effects"] + (try simulatedFiles()) + [
                "--output", run.path, "--epochs", "1", "--quiet",
            ]
        try runOK(arguments, timeout: 120)
        for name in ["last.safetensors", "best.safetensors"] {
            let file = run.appendingPathComponent(name)
            let data = try Data(contentsOf: file)
            try data.prefix(data.count / 2).write(to: file)
        }
        try runUserError(
            arguments + ["--epochs", "2", "--resume"], mentions: [run.appendingPathComponent("last.safetensors").path])
        try runUserError(
            ["embed", "--checkpoint", run.path, "--output", dir.appendingPathComponent("e.h5ad").path],
            mentions: [run.appendingPathComponent("best.safetensors").path])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("e.h5ad").path))
    }

    func testPretrainBadInputs() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir)
        let files = try simulatedFiles()
        let missing = dir.appendingPathComponent("missing.json").path
        try runUserError(
            ["pretrain", "--config", missing, "--effects"] + files + [
                "--output", dir.appendingPathComponent("r1").path,
            ], mentions: [missing])
        let missingEffects = dir.appendingPathComponent("missing.h5ad").path
        try runUserError(
            [
                "pretrain", "--config", config, "--effects", missingEffects, "--output",
                dir.appendingPathComponent("r2").path,
            ],
            mentions: [missingEffects])
        let badKey = try CLIFixtures.write(#"{"hiden_width": 16}"#, to: "bad.json", in: dir).path
        try runUserError(
            ["pretrain", "--config", badKey, "--effects"] + files + [
                "--output", dir.appendingPathComponent("r3").path,
            ],
            mentions: [badKey, "hiden_width"])
        try runUserError(
            ["pretrain", "--config", config, "--effects"] + files + [
                "--output", dir.appendingPathComponent("r4").path,
                "--encoder", "transformer",
            ], mentions: ["--encoder", "transformer", "fingerprint_mlp"])
        // Resuming needs the run's seed: a different one is refused with the saved value.
        let run = dir.appendingPathComponent("r5").path
        try runOK(
            ["pretrain", "--config", config, "--effects"] + files + ["--output", run, "--epochs", "1", "--quiet"],
            timeout: 120)
        try runUserError(
            ["pretrain", "--config", config, "--effects"] + files + [
                "--output", run, "--epochs", "2", "--seed", "6", "--resume", "--quiet",
            ],
            mentions: ["last.safetensors", "seed"])
        let missingRun = dir.appendingPathComponent("no-run").path
        try runUserError(
            ["embed", "--checkpoint", missingRun, "--output", dir.appendingPathComponent("e.h5ad").path],
            mentions: [missingRun])
    }
}
