import ArgumentParser
import Foundation
import PerturbBase
import PerturbData
import PerturbModel
import PerturbNN

/// `perturbridge-bench model`: end-to-end LPM training throughput (scalar mode, reference shape D = 128, MLP
/// 768 → 256 → 256 → 1, batch 16384, AdamW) on the simulator's default datasets, streamed from their effects files
/// through the shuffle buffer, against the same model and data pipeline in PyTorch CPU (bench/model_peer.py) with
/// the same thread count, in one run.
///
///     perturbridge-bench model [--threads 2] [--batch 16384] [--epochs 1] [--data DIR]
///                              [--python python3] [--peer bench/model_peer.py] [--no-peer]
///
/// Rows/s = training scalars of one epoch / wall time of the epoch (reading shards, shuffling, batching, steps;
/// validation and checkpoint writing excluded).
enum ModelBench {
    struct Settings: ParsableArguments {
        @Option(help: "Engine and OpenBLAS threads (the peer uses the same).") var threads = 1
        @Option(help: "Scalars per step.") var batch = 16_384
        @Option(help: "Epochs.") var epochs = 1
        @Option(help: "Folder of the simulated effects files (written once, reused).") var data: String?
        @Option(help: "The peer script.") var peer = "bench/model_peer.py"
        @OptionGroup var peerOptions: PyTorchPeerOptions

        func validate() throws {
            try requirePositive(["--threads": threads, "--batch": batch, "--epochs": epochs])
            try peerOptions.requireScript(peer)
        }
    }

    static func run(_ s: Settings) throws {
        let directory = URL(
            fileURLWithPath: s.data
                ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("perturbridge-model-bench-data").path)
        let files = try simulatedFiles(in: directory)
        let sources = try files.map { try EffectsReader(url: $0) }
        var config = LPMConfig()
        config.outputMode = .scalar
        config.batchSize = s.batch
        config.maxEpochs = s.epochs
        config.threads = s.threads
        config.checkpointEvery = 0
        config.seed = 13
        let runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "perturbridge-model-bench-run-\(getpid())")
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let rows = sources.map { Array($0.conditions.indices) }
        print(
            "model bench: LPM scalar 6x128 -> 256 -> 256 -> 1, batch \(s.batch), \(s.threads) thread(s), "
                + "\(files.count) simulated effects files (\(sources.reduce(0) { $0 + $1.conditions.count }) conditions), \(s.epochs) epoch(s)"
        )
        let run = try Trainer.fit(
            config: config, sources: sources, trainRows: rows, validationRows: rows.map { _ in [] },
            runDirectory: runDirectory, progress: false)
        let seconds = run.history.reduce(0) { $0 + $1.seconds }
        let trained = run.history.reduce(0) { $0 + $1.trainRows }
        let swiftRate = Double(trained) / seconds
        print(
            String(
                format: "swift:   %.0f rows/s (%d rows in %.2f s, train RMSE %.4f)", swiftRate, trained, seconds,
                run.history.last?.trainRMSE ?? .nan))
        guard s.peerOptions.runPeer else { return }
        let peer = try runPeer(s, files: files)
        print(
            String(
                format: "pytorch %@ (%d threads): %.0f rows/s (%d rows in %.2f s)", peer.version, peer.threads,
                peer.rowsPerSecond, peer.rows, peer.seconds))
        print(String(format: "swift_rows_per_s / peer_rows_per_s = %.3f", swiftRate / peer.rowsPerSecond))
    }

    /// The simulator's default datasets as effects files (written once, reused).
    static func simulatedFiles(in directory: URL) throws -> [URL] {
        let config = SimulatorConfig.preset(.default)
        let expected = config.datasets.map { directory.appendingPathComponent("\($0.name).h5ad") }
        if expected.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) { return expected }
        let output = try Simulator.simulate(config: config, seed: 13)
        return try Simulator.write(output, config: config, seed: 13, to: directory).effects
    }

    struct PeerResult {
        var version: String; var threads: Int; var rowsPerSecond: Double; var rows: Int; var seconds: Double
    }

    static func runPeer(_ s: Settings, files: [URL]) throws -> PeerResult {
        let (json, rate) = try PeerProcess.run(
            bench: "model", python: s.peerOptions.python, script: s.peer,
            arguments: ["--threads", "\(s.threads)", "--batch", "\(s.batch)"] + files.map(\.path), threads: s.threads)
        return PeerResult(
            version: json["torch"] as? String ?? "?", threads: json["threads"] as? Int ?? s.threads,
            rowsPerSecond: rate,
            rows: json["rows"] as? Int ?? 0, seconds: json["seconds"] as? Double ?? 0)
    }
}
