import Foundation
import PerturbBase
import PerturbData
import PerturbNN

/// Trains LPMs: seeded shuffling per epoch through a shuffle buffer, AdamW with exponential decay per epoch,
/// validation each epoch (pooled RMSE overall and per dataset, Pearson), best checkpoint by validation RMSE,
/// checkpoints every N epochs plus a rolling `last` checkpoint (weights, optimizer moments, dropout RNG,
/// epoch/step, early-stopping state), exact resume, early stopping with patience, progress on stderr.
///
/// Determinism: epoch e shuffles with `SeededRNG.derived(seed, "shuffle:e")`, dropout draws from one stream saved
/// in checkpoints, init from `derived(seed, "init")`; with the same seed and thread count a run — interrupted and
/// resumed or not — ends with bit-identical weights.
public enum Trainer {
    /// Trains on rows of an in-memory table. `initFrom` (a run folder or `.safetensors`) fine-tunes: all weights
    /// loaded strictly, fresh optimizer and schedule, epochs from 0; `freezeCompoundEmbeddings` keeps the compound
    /// encoder fixed. `vocabularies` defaults to the table's (or the checkpoint's when fine-tuning).
    public static func fit(config: LPMConfig, data: EffectsTable, trainRows: [Int], validationRows: [Int], runDirectory: URL,
                           initFrom: URL? = nil, freezeCompoundEmbeddings: Bool = false, vocabularies: Vocabularies? = nil,
                           resume: Bool = false, progress: Bool = true) throws -> TrainingRun {
        var config = config
        if let initFrom {
            config.mode = .finetune
            config.initFrom = initFrom.path
            config.freezeCompoundEmbeddings = freezeCompoundEmbeddings
            if config.datasets.isEmpty { config.datasets = data.datasets }
        }
        return try fit(config: config, sources: [.table(data)], trainRows: [trainRows], validationRows: [validationRows],
                       vocabularies: vocabularies, runDirectory: runDirectory, resume: resume, progress: progress)
    }

    /// Trains on rows of several sources (tables or streamed files). Rows of datasets outside `config.datasets`
    /// (when non-empty) and control conditions (unless `includeControls`) are dropped. Vocabularies: from
    /// `config.initFrom` when fine-tuning, else `vocabularies`, else built from every condition of every source.
    public static func fit(config: LPMConfig, sources: [EffectsSource], trainRows: [[Int]], validationRows: [[Int]],
                           vocabularies: Vocabularies? = nil, runDirectory: URL, dataFingerprint: String? = nil,
                           resume: Bool = false, progress: Bool = true) throws -> TrainingRun {
        try config.validate()
        Engine.setThreads(config.resolvedThreads)
        let folder = RunFolder(runDirectory)
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.last.path) && !resume {
            throw InputError("\(runDirectory.path) already holds a run (last.safetensors); pass --resume to continue it or choose a new output folder")
        }
        try fm.createDirectory(at: runDirectory, withIntermediateDirectories: true)

        // Vocabularies and model.
        var initCheckpoint: URL? = nil
        var vocab: Vocabularies
        if config.mode == .finetune, let path = config.initFrom {
            let file = try RunFolder.checkpointFile(URL(fileURLWithPath: path))
            initCheckpoint = file
            vocab = try LPMCheckpoint.readInfo(file).vocabularies
        } else {
            vocab = vocabularies ?? Vocabularies(conditions: sources.map(\.conditions), genes: sources.map(\.genes),
                                                 compounds: sources.map(\.compounds))
        }
        let keep = Set(config.datasets)
        func filter(_ rows: [Int], _ conditions: [Condition]) -> [Int] {
            rows.filter { (keep.isEmpty || keep.contains(conditions[$0].dataset)) && (config.includeControls || !conditions[$0].isControl) }
        }
        let conditionLists = sources.map(\.conditions)
        let train = zip(trainRows, conditionLists).map { filter($0, $1) }
        let validation = zip(validationRows, conditionLists).map { filter($0, $1) }
        let corpus = try TrainingCorpus(sources: sources, train: train, validation: validation, vocabularies: vocab,
                                        shardConditions: config.shardConditions)
        guard corpus.trainConditionCount > 0 else {
            throw InputError("no training conditions left after the split and the datasets filter \(config.datasets)")
        }
        vocab.compoundTrainingDatasets = corpus.compoundTrainingDatasets(vocab)

        var initRNG = SeededRNG.derived(seed: config.seed, label: "init")
        let model = LPMModel(config: config, vocabularies: vocab, rng: &initRNG)
        if let initCheckpoint {
            try Checkpoint.load(from: initCheckpoint, into: model.parameters, optimizer: nil, strict: true)
        }
        if config.mode == .finetune && config.freezeCompoundEmbeddings { model.setCompoundEncoderFrozen(true) }
        let optimizer = makeOptimizer(config, model.parameters)
        var dropoutRNG = SeededRNG.derived(seed: config.seed, label: "dropout")
        var state = TrainerState(bestEpoch: 0, bestRMSE: nil, epochsWithoutImprovement: 0, history: [])
        var epoch = 0, step = 0
        if resume && fm.fileExists(atPath: folder.last.path) {
            let info = try Checkpoint.load(from: folder.last, into: model.parameters, optimizer: optimizer, strict: true)
            let saved = try info.config.decode(LPMConfig.self)
            guard saved.seed == config.seed, saved.outputMode == config.outputMode, saved.threads == config.threads else {
                throw InputError("\(folder.last.path): resume needs the run's seed, output mode and threads (saved seed \(saved.seed), \(saved.outputMode.rawValue), threads \(saved.threads))")
            }
            epoch = info.epoch
            step = info.step
            if let rng = info.rng { dropoutRNG = rng }
            state = try info.extra.decode(TrainerState.self)
            if progress { ProgressReporter.log("pretrain: resuming \(runDirectory.path) after epoch \(epoch) (step \(step))") }
        }
        try AtomicFile.write(config.jsonData(), to: folder.config)
        try RunRecord.write(folder: folder, config: config, vocabularies: vocab, corpus: corpus, dataFingerprint: dataFingerprint,
                            sources: sources, state: state)

        let schedule = LearningRateSchedule.exponential(gamma: config.lrDecay)
        var stoppedEarly = false
        var knownTrainRows: Int? = state.history.last?.trainRows
        while epoch < config.maxEpochs {
            if config.patience > 0 && state.epochsWithoutImprovement >= config.patience { stoppedEarly = true; break }
            let lr = schedule.learningRate(base: Float(config.learningRate), epoch: epoch, step: step)
            optimizer.learningRate = lr
            let started = Date()
            let reporter = ProgressReporter(label: "pretrain epoch \(epoch + 1)/\(config.maxEpochs)", unit: "rows",
                                            total: knownTrainRows, enabled: progress)
            var sse = 0.0, rows = 0, scalars = 0
            try runEpoch(model: model, optimizer: optimizer, corpus: corpus, config: config, epoch: epoch,
                         dropoutRNG: &dropoutRNG) { loss, batchScalars, batchRows in
                step += 1
                sse += Double(loss) * Double(batchScalars)
                scalars += batchScalars
                rows += batchRows
                reporter.update(done: rows, fields: [("step", "\(step)"), ("loss", String(format: "%.4f", loss)),
                                                     ("lr", String(format: "%.3g", lr))])
            }
            guard sse.isFinite else {
                throw InputError("training diverged in epoch \(epoch + 1) (loss is not finite by step \(step)); lower learning_rate (now \(config.learningRate))")
            }
            let seconds = Date().timeIntervalSince(started)
            knownTrainRows = rows
            let metrics = try corpus.validate(model, batchSize: config.batchSize)
            epoch += 1
            let record = EpochMetrics(epoch: epoch, step: step, learningRate: Double(lr),
                                      trainRMSE: (sse / Double(max(1, scalars))).squareRoot(), trainRows: rows,
                                      validation: metrics, seconds: seconds, rowsPerSecond: Double(rows) / max(seconds, 1e-9))
            state.history.append(record)
            let improved: Bool
            if let rmse = metrics.rmse { improved = state.bestRMSE.map { rmse < $0 } ?? true } else { improved = true }
            if improved {
                state.bestEpoch = epoch
                state.bestRMSE = metrics.rmse
                state.epochsWithoutImprovement = 0
            } else {
                state.epochsWithoutImprovement += 1
            }
            reporter.finish(done: rows, fields: [("train_rmse", String(format: "%.4f", record.trainRMSE)),
                                                 ("val_rmse", metrics.rmse.map { String(format: "%.4f", $0) } ?? "-"),
                                                 ("val_r", metrics.pearson.map { String(format: "%.3f", $0) } ?? "-")])
            try folder.writeMetrics(state.history, datasets: vocab.datasets)
            let info = { (s: TrainerState) throws -> CheckpointInfo in
                CheckpointInfo(config: try JSONValue(encoding: config), vocabularies: try JSONValue(encoding: vocab),
                               epoch: epoch, step: step, rng: dropoutRNG, extra: try JSONValue(encoding: s))
            }
            if improved { try Checkpoint.save(to: folder.best, parameters: model.parameters, optimizer: nil, info: info(state)) }
            if config.checkpointEvery > 0 && epoch % config.checkpointEvery == 0 {
                try Checkpoint.save(to: folder.epoch(epoch), parameters: model.parameters, optimizer: nil, info: info(state))
            }
            try Checkpoint.save(to: folder.last, parameters: model.parameters, optimizer: optimizer, info: info(state))
            try RunRecord.write(folder: folder, config: config, vocabularies: vocab, corpus: corpus, dataFingerprint: dataFingerprint,
                                sources: sources, state: state)
        }
        if config.patience > 0 && state.epochsWithoutImprovement >= config.patience && epoch < config.maxEpochs { stoppedEarly = true }
        let best = state.history.first { $0.epoch == state.bestEpoch }
        return TrainingRun(bestEpoch: state.bestEpoch, bestValidationRMSE: state.bestRMSE,
                           perDatasetValidationRMSE: best?.validation.perDatasetRMSE ?? [:], history: state.history,
                           runDirectory: runDirectory, stoppedEarly: stoppedEarly)
    }

    /// The model of a run's best checkpoint.
    public static func loadBest(runDirectory: URL) throws -> LPMModel {
        try LPMCheckpoint.load(RunFolder(runDirectory).best)
    }

    static func makeOptimizer(_ config: LPMConfig, _ parameters: [Parameter]) -> Optimizer {
        switch config.optimizer.lowercased() {
        case "adam": return Adam(parameters: parameters, learningRate: Float(config.learningRate), weightDecay: .l2(Float(config.weightDecay)))
        case "sgd": return SGD(parameters: parameters, learningRate: Float(config.learningRate), momentum: 0.9, weightDecay: Float(config.weightDecay))
        default: return Adam.adamW(parameters: parameters, learningRate: Float(config.learningRate), weightDecay: Float(config.weightDecay))
        }
    }

    /// One pass over the training shards in a seeded order through the shuffle buffer; `onStep(loss, scalars,
    /// rows)` after every optimizer step.
    static func runEpoch(model: LPMModel, optimizer: Optimizer, corpus: TrainingCorpus, config: LPMConfig, epoch: Int,
                         dropoutRNG: inout SeededRNG, onStep: (Float, Int, Int) -> Void) throws {
        var shuffleRNG = SeededRNG.derived(seed: config.seed, label: "shuffle:\(epoch)")
        var shards = corpus.shards(validation: false)
        for i in stride(from: shards.count - 1, to: 0, by: -1) { shards.swapAt(i, shuffleRNG.nextInt(below: i + 1)) }
        var builder = BatchBuilder(sets: corpus.sets, geneCount: corpus.geneCount)
        let graph = Graph(training: true)
        func train(inputs: LPMInputs, target: Tensor, mask: Tensor?, scalars: Int, rng: inout SeededRNG) {
            graph.reset()
            let prediction = model.forward(inputs, graph: graph, rng: &rng)
            let loss = mseLoss(prediction, target: target, mask: mask)
            optimizer.zeroGrad()
            graph.backward(loss)
            optimizer.step()
            onStep(loss.value.scalar, scalars, inputs.count)
        }
        switch config.outputMode {
        case .scalar:
            var buffer = ShuffleBuffer<ScalarRecord>(threshold: config.shuffleBufferRows, batchSize: config.batchSize)
            func emit(_ batch: [ScalarRecord]) {
                let (inputs, target) = builder.scalar(batch)
                train(inputs: inputs, target: target, mask: nil, scalars: batch.count, rng: &dropoutRNG)
            }
            for shard in shards { buffer.add(try corpus.scalarRecords(shard), rng: &shuffleRNG, emit: emit) }
            buffer.finish(rng: &shuffleRNG, emit: emit)
        case .multiout:
            let threshold = max(config.batchSize, config.shuffleBufferRows / max(1, corpus.geneCount))
            var buffer = ShuffleBuffer<ConditionRecord>(threshold: threshold, batchSize: config.batchSize)
            func emit(_ batch: [ConditionRecord]) {
                let (inputs, target, mask, measured) = builder.multiout(batch)
                train(inputs: inputs, target: target, mask: mask, scalars: measured, rng: &dropoutRNG)
            }
            for shard in shards { buffer.add(try corpus.conditionRecords(shard), rng: &shuffleRNG, emit: emit) }
            buffer.finish(rng: &shuffleRNG, emit: emit)
        }
        graph.reset()
    }
}
