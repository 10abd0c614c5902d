import ArgumentParser
import Foundation
import PerturbBase
import PerturbData
import PerturbModel
import PerturbTensor

/// `perturbridge-bench cpb`: one multi-output pretraining epoch on the paper's corpus shape — the 411,514
/// conditions of `df_annot_split.tsv.gz` (or a `--fraction` of its molecules) simulated by `simulate --manifest`
/// — with mixed and with by-dataset batching, against plain sgemm on the same shapes and a PyTorch peer of the
/// published algorithm (dense union output + mask, `bench/cpb_peer.py`) on the same files, in one run.
///
///     perturbridge-bench cpb [--fraction 1] [--threads 2] [--batch 4096] [--shuffle-buffer-mb 1024] [--data DIR]
///                            [--manifest FILE]
///                            [--smiles FILE] [--peer-seconds 120] [--python python3] [--no-peer]
///                            [--runs mixed,by_dataset,scalar] [--scalar-batch 262144] [--scalar-micro 16384]
///                            [--scalar-steps 20]
///
/// `scalar` trains scalar mode (one row per measured value) at the reference's effective batch for
/// `--scalar-steps` steps (`limit_train_batches`), accumulated over `--scalar-micro` rows a pass
/// (`micro_batch_size`), and once more for a third of those steps: the difference of the two is the steady step
/// (the first steps also fill the shuffle buffer), and the full epoch is extrapolated from it.
///
/// Measured-gene FLOPs of an epoch = 6·rows·(in·h + h·h) + 6·h·(measured values), h = 256, in = 5·128: the
/// forward, dx and dW GEMMs of the MLP on the genes each row measures. Rows/s and seconds exclude validation.
/// Plain sgemm is timed right before and right after each run (the VM's speed drifts); a run's share of sgemm uses
/// the higher of the two. The corpus files are read through once before the runs (`warmPageCache`).
enum CPBBench {
    /// One training run of the bench.
    enum Run: String, CaseIterable {
        case mixed, byDataset = "by_dataset", scalar
    }

    /// A comma-separated list of runs (`mixed,by_dataset,scalar`).
    struct Runs: ExpressibleByArgument {
        var runs: [Run]
        init(_ runs: [Run]) { self.runs = runs }
        init?(argument: String) {
            let parsed = argument.split(separator: ",").map { Run(rawValue: String($0)) }
            guard !parsed.isEmpty, !parsed.contains(where: { $0 == nil }) else { return nil }
            runs = parsed.compactMap { $0 }
        }
        var defaultValueDescription: String { runs.map(\.rawValue).joined(separator: ",") }
    }

    struct Settings: ParsableArguments {
        @Option(help: "Share of the manifest's molecules kept, in (0, 1].") var fraction = 1.0
        @Option(help: "Engine and OpenBLAS threads (the peer uses the same).") var threads = 2
        @Option(help: "Multi-output rows per step.") var batch = 4096
        @Option(help: "Shuffle buffer in MiB (shuffle_buffer_mb; smaller than the corpus for a memory measurement).")
        var shuffleBufferMb = LPMConfig().shuffleBufferMB
        @Option(help: "Corpus folder (written once per fraction, reused).") var data: String?
        @Option(help: "Condition table in the df_annot_split layout.") var manifest =
            "../shared/data/chem-perturbridge-splits/df_annot_split.tsv.gz"
        @Option(help: "pertinfo table with SMILES by CID.") var smiles =
            "../shared/data/l1000-lincs-metadata/pertinfo.tsv.gz"
        @Option(help: "Seconds the PyTorch peer trains.") var peerSeconds = 120
        @Option(help: "The peer script.") var peer = "bench/cpb_peer.py"
        @OptionGroup var peerOptions: PyTorchPeerOptions
        @Option(help: "Runs, comma-separated: \(Run.allCases.map(\.rawValue).joined(separator: ", ")).") var runs =
            Runs([.mixed, .byDataset])
        @Option(help: "Scalar run: rows per optimizer step.") var scalarBatch = 262_144
        @Option(help: "Scalar run: rows per forward/backward pass (micro_batch_size).") var scalarMicro = 16_384
        @Option(help: "Scalar run: steps (limit_train_batches).") var scalarSteps = 20

        func validate() throws {
            guard fraction > 0, fraction <= 1 else {
                throw ValidationError("--fraction must be in (0, 1], got \(fraction)")
            }
            try requirePositive([
                "--threads": threads, "--batch": batch, "--shuffle-buffer-mb": shuffleBufferMb,
                "--peer-seconds": peerSeconds, "--scalar-batch": scalarBatch,
                "--scalar-micro": scalarMicro, "--scalar-steps": scalarSteps,
            ])
            try peerOptions.requireScript(peer)
        }
    }

    static func run(_ settings: Settings) throws {
        let fraction = settings.fraction, threads = settings.threads, batch = settings.batch
        let scalarBatch = settings.scalarBatch, scalarMicro = settings.scalarMicro, scalarSteps = settings.scalarSteps
        let manifest = URL(fileURLWithPath: settings.manifest), smiles = URL(fileURLWithPath: settings.smiles)
        let directory = URL(
            fileURLWithPath: settings.data
                ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("perturbridge-cpb-\(fraction)").path)
        let files = try corpus(
            manifest: manifest, smiles: smiles, fraction: fraction, directory: directory, threads: threads)
        try warmPageCache(files)
        let sources = try files.map { try EffectsReader(url: $0) }
        let trainRows = try trainingRows(sources, split: directory.appendingPathComponent("split.tsv"))
        let values = try trainValues(sources, trainRows)
        let rows = trainRows.reduce(0) { $0 + $1.count }
        let union = Set(sources.flatMap(\.genes)).count
        let flops = 6.0 * Double(rows) * Double(640 * 256 + 256 * 256) + 6.0 * 256 * Double(values)
        PeakMemory.releaseFreedHeap()
        print(
            String(
                format: "corpus index (conditions, compounds, panels of %d files and the training rows): RSS %.0f MB",
                files.count, PeakMemory.currentResidentMB ?? .nan))
        print(
            "cpb bench: \(files.count) datasets, \(rows) training conditions, \(values) measured values, \(union) union genes, "
                + "batch \(batch), \(threads) thread(s); measured-gene work \(String(format: "%.2f", flops / 1e12)) TFLOP per epoch"
        )
        // The MLP layers and an output layer over a 978- and a 15,000-gene panel. The VM's speed drifts, so the
        // ceiling is measured right before and right after each run, and a run is compared with the higher one.
        func sgemmRate() -> Double {
            PlainSGEMM.rate(
                [(batch, 256, 640), (batch, 256, 256), (batch, 978, 256), (batch / 4, 15_000, 256)], repeats: 3,
                threads: threads)
        }
        var sgemmAfterLast = sgemmRate()
        print(
            String(
                format: "plain sgemm on the step's shapes: %.1f GFLOP/s (OpenBLAS kernels: %@)", sgemmAfterLast,
                BLASCore.name))
        func train(_ config: LPMConfig, name: String) throws -> EpochMetrics {
            let runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "perturbridge-cpb-run-\(getpid())-\(name)")
            defer { try? FileManager.default.removeItem(at: runDirectory) }
            return try Trainer.fit(
                config: config, sources: sources, trainRows: trainRows, validationRows: trainRows.map { _ in [] },
                runDirectory: runDirectory, progress: true
            ).history[0]
        }
        func printSGEMM(_ name: String, _ before: Double, _ after: Double, _ used: Double) {
            print(
                String(
                    format: "plain sgemm before / after the %@ run: %.1f / %.1f GFLOP/s (ratios use %.1f)", name,
                    before, after, used))
        }
        var swiftRate = 0.0
        for run in settings.runs.runs {
            let name = run.rawValue
            var config = LPMConfig()
            config.maxEpochs = 1
            config.threads = threads
            config.checkpointEvery = 0
            config.shuffleBufferMB = settings.shuffleBufferMb
            if let batching = Batching(rawValue: name) {
                config.outputMode = .multiout
                config.batchSize = batch
                config.batching = batching
            } else {
                config.outputMode = .scalar
                config.batchSize = scalarBatch
                config.microBatchSize = scalarMicro
            }
            let sgemmBefore = sgemmAfterLast
            if config.outputMode == .scalar {
                // The first steps also fill the shuffle buffer, so the steady step is the difference of a short and
                // a full-length run; the epoch is the full-length run plus the remaining steps at that rate.
                let shortSteps = max(1, scalarSteps / 3)
                config.limitTrainBatches = shortSteps
                let short = try train(config, name: name + "-short")
                config.limitTrainBatches = scalarSteps
                let long = try train(config, name: name)
                sgemmAfterLast = sgemmRate()
                let sgemm = max(sgemmBefore, sgemmAfterLast)
                printSGEMM(name, sgemmBefore, sgemmAfterLast, sgemm)
                print(
                    scalarSummary(
                        short: (shortSteps, short), long: (scalarSteps, long), batch: scalarBatch,
                        micro: scalarMicro, values: values, sgemm: sgemm))
                continue
            }
            let epoch = try train(config, name: name)
            sgemmAfterLast = sgemmRate()
            let sgemm = max(sgemmBefore, sgemmAfterLast)
            printSGEMM(name, sgemmBefore, sgemmAfterLast, sgemm)
            let gflops = flops / epoch.seconds / 1e9
            if config.batching == .mixed { swiftRate = epoch.rowsPerSecond }
            print(
                String(
                    format:
                        "swift %@: epoch %.1f s, %.0f rows/s, %.1f GFLOP/s measured-gene = %.3f of sgemm, train RMSE %.4f, peak RSS %.0f MB",
                    name, epoch.seconds, epoch.rowsPerSecond, gflops, gflops / sgemm, epoch.trainRMSE,
                    epoch.peakRSSMB ?? .nan))
        }
        guard settings.peerOptions.runPeer, swiftRate > 0 else { return }
        let (peer, peerRate) = try PeerProcess.run(
            bench: "cpb", python: settings.peerOptions.python, script: settings.peer,
            arguments: ["--threads", "\(threads)", "--batch", "\(batch)", "--max-seconds", "\(settings.peerSeconds)"]
                + files.map(\.path),
            threads: threads)
        print(
            String(
                format:
                    "pytorch %@ (%d threads, dense %d-gene output + mask): %.0f rows/s over %d rows in %.1f s, peak RSS %.0f MB",
                peer["torch"] as? String ?? "?", peer["threads"] as? Int ?? threads, peer["union_genes"] as? Int ?? 0,
                peerRate, peer["rows"] as? Int ?? 0, peer["seconds"] as? Double ?? 0,
                peer["peak_rss_mb"] as? Double ?? 0))
        print(String(format: "swift_mixed_rows_per_s / peer_rows_per_s = %.2f", swiftRate / peerRate))
    }

    /// The scalar run's line: the steady step from the difference of the two runs (the fill of the shuffle buffer
    /// cancels), and the full epoch extrapolated as the long run plus its remaining steps at the steady rate.
    static func scalarSummary(
        short: (steps: Int, epoch: EpochMetrics), long: (steps: Int, epoch: EpochMetrics), batch: Int, micro: Int,
        values: Int, sgemm: Double
    ) -> String {
        // Scalar mode: one row per measured (condition, gene) value. The first layer is projected once per distinct
        // table row (`concatLinear`), so the work that grows with the scalars is the second hidden layer and the
        // output: 6 FLOPs per weight per row.
        let perRow = 6.0 * Double(256 * 256 + 256)
        let steady =
            long.steps > short.steps
            ? (long.epoch.seconds - short.epoch.seconds) / Double(long.steps - short.steps)
            : long.epoch.seconds / Double(long.steps)
        let epochSteps = (values + batch - 1) / batch
        let epochSeconds = long.epoch.seconds + Double(max(0, epochSteps - long.steps)) * steady
        let scalarsPerSecond = Double(batch) / steady
        return String(
            format:
                "swift scalar (batch %d in micro-batches of %d): %d steps in %.1f s, %d in %.1f s: steady %.2f s per step, "
                + "%.0f scalars/s, %.1f GFLOP/s on the per-scalar layers (256×256, 256) = %.3f of sgemm; full epoch of %d scalars (%d steps) ≈ %.2f h, "
                + "peak RSS %.0f MB",
            batch, micro, short.steps, short.epoch.seconds, long.steps, long.epoch.seconds, steady, scalarsPerSecond,
            perRow * scalarsPerSecond / 1e9, perRow * scalarsPerSecond / 1e9 / sgemm, values, epochSteps,
            epochSeconds / 3600, max(short.epoch.peakRSSMB ?? 0, long.epoch.peakRSSMB ?? 0))
    }

    /// The simulated corpus (written once per fraction, reused).
    static func corpus(manifest: URL, smiles: URL, fraction: Double, directory: URL, threads: Int) throws -> [URL] {
        let done = directory.appendingPathComponent("corpus.done")
        let fm = FileManager.default
        if fm.fileExists(atPath: done.path) {
            return try String(contentsOf: done, encoding: .utf8).split(separator: "\n").map {
                URL(fileURLWithPath: String($0))
            }
        }
        let started = Date()
        let table = try ConditionManifest.read(manifest).keepingFraction(fraction, seed: 13)
        let map = fm.fileExists(atPath: smiles.path) ? try ManifestSimulator.smilesByCID(smiles) : [:]
        let reporter = ProgressReporter(label: "cpb corpus", unit: "values")
        let written = try ManifestSimulator.write(
            table, config: ManifestSimulatorConfig(), seed: 13, smilesByCID: map, to: directory,
            threads: threads
        ) { done, total in
            reporter.total = total
            reporter.update(done: done)
        }
        try written.map(\.file.path).joined(separator: "\n").write(to: done, atomically: true, encoding: .utf8)
        print(
            String(
                format: "corpus: %d conditions written in %.0f s to %@", table.entries.count,
                Date().timeIntervalSince(started), directory.path))
        return written.map(\.file)
    }

    /// Reads the corpus files through once, 64 MiB at a time, so that every timed run (and the peer) finds them in
    /// the page cache, as every epoch after a run's first does: an epoch measures training, not the disk or what
    /// a build evicted in between.
    static func warmPageCache(_ files: [URL]) throws {
        let started = Date()
        var bytes = 0
        for file in files {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 64 << 20), !chunk.isEmpty { bytes += chunk.count }
        }
        print(
            String(
                format: "page cache: %.1f GB of corpus files read through in %.1f s before the timed runs",
                Double(bytes) / 1e9, Date().timeIntervalSince(started)))
    }

    /// Measured values of the training rows (from the files' panels or masks).
    /// Rows of the published split's training conditions per source (the id → split map is freed on return, so
    /// it does not count in the training runs' memory).
    static func trainingRows(_ sources: [any ConditionSource], split file: URL) throws -> [[Int]] {
        let split = try SplitAssignment.read(file).splitOf
        return sources.map { s in s.conditions.indices.filter { split[s.conditions[$0].id] == SplitAssignment.train } }
    }

    static func trainValues(_ sources: [any ConditionSource], _ rows: [[Int]]) throws -> Int {
        var total = 0
        for (source, list) in zip(sources, rows) {
            if let panels = source.panels {
                total += list.reduce(0) { $0 + panels.members[Int(panels.rowPanel[$1])].count }
            } else {
                for r in list { total += try source.measured(rows: r..<(r + 1)).filter { $0 }.count }
            }
        }
        return total
    }
}
