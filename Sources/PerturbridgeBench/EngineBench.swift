import ArgumentParser
import Foundation
import PerturbBase
import PerturbNN
import PerturbTensor

/// `perturbridge-bench engine`: training throughput of the reference LPM shape on the PerturbTensor engine,
/// against plain `cblas_sgemm` on the same GEMM shapes and against PyTorch CPU (bench/engine_peer.py), with the
/// same thread count, in one run.
///
///     perturbridge-bench engine [--threads 1] [--batch 16384] [--steps 10] [--warmup 2]
///                               [--python python3] [--peer bench/engine_peer.py] [--no-peer]
///
/// Model: embeddings of dataset (12), context (200), compound (EmbeddingBag mean, 2000) and gene (5000), Linear(1→128)
/// of log-dose and time, concat 6×128 = 768 → Linear(768,256)+ReLU+Dropout(0.1) → Linear(256,256)+ReLU+Dropout(0.1)
/// → Linear(256,1), MSE, AdamW lr 2e-3, random data. FLOPs per step count 3 GEMMs per MLP layer (forward, dX, dW):
/// 6·batch·(768·256 + 256·256 + 256·1).
enum EngineBench {
    struct Settings: ParsableArguments {
        @Option(help: "Engine and OpenBLAS threads (the peer uses the same).") var threads = 1
        @Option(help: "Rows per step.") var batch = 16_384
        @Option(help: "Timed steps.") var steps = 10
        @Option(help: "Untimed warm-up steps.") var warmup = 2
        @Option(help: "The peer script.") var peer = "bench/engine_peer.py"
        @OptionGroup var peerOptions: PyTorchPeerOptions

        func validate() throws {
            try requirePositive(["--threads": threads, "--batch": batch, "--steps": steps, "--warmup": warmup])
            try peerOptions.requireScript(peer)
        }
    }

    static let layerShapes = [(768, 256), (256, 256), (256, 1)]

    static func flopsPerStep(batch: Int) -> Double {
        6 * Double(batch) * Double(layerShapes.reduce(0) { $0 + $1.0 * $1.1 })
    }

    static func run(_ settings: Settings) throws {
        Engine.setThreads(settings.threads)
        print(
            "engine bench: LPM 6x128 -> 256 -> 256 -> 1, batch \(settings.batch), \(settings.threads) thread(s), "
                + "\(settings.steps) timed steps after \(settings.warmup) warm-up")
        let train = trainingSeconds(settings)
        let rows = Double(settings.steps * settings.batch) / train.seconds
        let gflops = flopsPerStep(batch: settings.batch) * Double(settings.steps) / train.seconds / 1e9
        print(
            String(
                format: "swift engine:  %.0f rows/s, %.1f GFLOP/s (%.1f ms/step, last loss %.4f)",
                rows, gflops, 1000 * train.seconds / Double(settings.steps), train.lastLoss))
        let sgemm = PlainSGEMM.rate(
            layerShapes.map { (settings.batch, $0.1, $0.0) }, repeats: max(3, settings.steps), threads: settings.threads
        )
        print(
            String(
                format: "plain sgemm:   %.1f GFLOP/s on the same 9 GEMMs (ceiling %.0f rows/s)",
                sgemm, sgemm * 1e9 / (flopsPerStep(batch: settings.batch) / Double(settings.batch))))
        print(String(format: "training_gflops / sgemm_gflops = %.3f", gflops / sgemm))
        guard settings.peerOptions.runPeer else { return }
        let peer = try runPeer(settings)
        print(String(format: "pytorch %@ (%d threads): %.0f rows/s", peer.version, peer.threads, peer.rowsPerSecond))
        print(String(format: "swift_rows_per_s / peer_rows_per_s = %.3f", rows / peer.rowsPerSecond))
    }

    /// Trains the LPM on random batches; returns seconds for the timed steps.
    static func trainingSeconds(_ s: Settings) -> (seconds: Double, lastLoss: Float) {
        var rng = SeededRNG(seed: 42)
        let dataset = Embedding(name: "dataset", count: 12, dim: 128, rng: &rng)
        let context = Embedding(name: "context", count: 200, dim: 128, rng: &rng)
        let compound = EmbeddingBag(name: "compound", count: 2000, dim: 128, rng: &rng)
        let gene = Embedding(name: "gene", count: 5000, dim: 128, rng: &rng)
        let dose = Linear(name: "dose", inputs: 1, outputs: 128, rng: &rng)
        let time = Linear(name: "time", inputs: 1, outputs: 128, rng: &rng)
        let mlp = MLP(inputs: 768, hidden: [256, 256], outputs: 1, dropout: 0.1, rng: &rng)
        let parameters =
            [dataset.weight, context.weight, compound.weight, gene.weight]
            + dose.parameters + time.parameters + mlp.parameters
        let optimizer = Adam.adamW(parameters: parameters, learningRate: 2e-3)

        struct Batch { var ds, ctx, cpd, gene: [Int32]; var dose, time, target: Tensor }
        let b = s.batch
        let offsets = (0...b).map { Int32($0) }
        let batches = (0..<4).map { _ in
            Batch(
                ds: (0..<b).map { _ in Int32(rng.nextInt(below: 12)) },
                ctx: (0..<b).map { _ in Int32(rng.nextInt(below: 200)) },
                cpd: (0..<b).map { _ in Int32(rng.nextInt(below: 2000)) },
                gene: (0..<b).map { _ in Int32(rng.nextInt(below: 5000)) },
                dose: .uniform([b, 1], low: -3, high: 1, rng: &rng),
                time: .uniform([b, 1], low: 0, high: 48, rng: &rng),
                target: .normal([b, 1], rng: &rng))
        }
        let graph = Graph(rng: .derived(seed: 42, label: "dropout"))
        var lastLoss: Float = .nan
        func step(_ i: Int) {
            let batch = batches[i % batches.count]
            graph.reset()
            let x = concat([
                dataset(batch.ds, graph: graph), context(batch.ctx, graph: graph),
                compound(offsets: offsets, indices: batch.cpd, graph: graph), gene(batch.gene, graph: graph),
                dose(graph.input(batch.dose)), time(graph.input(batch.time)),
            ])
            let loss = mseLoss(mlp(x), target: batch.target)
            optimizer.zeroGrad()
            graph.backward(loss)
            optimizer.step()
            lastLoss = loss.value.scalar
        }
        for i in 0..<s.warmup { step(i) }
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<s.steps { step(i) }
        graph.reset()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, lastLoss)
    }

    struct PeerResult { var version: String; var threads: Int; var rowsPerSecond: Double }

    static func runPeer(_ s: Settings) throws -> PeerResult {
        let (json, rows) = try PeerProcess.run(
            bench: "engine", python: s.peerOptions.python, script: s.peer,
            arguments: [
                "--threads", "\(s.threads)", "--batch", "\(s.batch)", "--steps", "\(s.steps)",
                "--warmup", "\(s.warmup)",
            ], threads: s.threads)
        return PeerResult(
            version: json["torch"] as? String ?? "?", threads: json["threads"] as? Int ?? s.threads,
            rowsPerSecond: rows)
    }
}
