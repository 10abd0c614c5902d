import Foundation
import PerturbBase
import PerturbData
import PerturbDistributed
import PerturbNN
import PerturbTensor

/// One training run as named steps (`trainEpoch`, `validate`, `record`, `saveCheckpoints`) around state set up
/// once: vocabularies, corpus, model, optimizer and — when resuming — everything saved in `last.safetensors`.
/// `isDone` is the only stop predicate (max epochs reached, or patience exhausted). `init` writes nothing; `start`
/// checks that every rank agrees and then writes the run folder's first files.
///
/// Data-parallel over a `Communicator` of several ranks: every rank walks the same seeded shard order and shuffle
/// buffer, so all see the same global batches of `batch_size`; each trains on its contiguous share
/// (`Communicator.share`), the gradients (packed in one `GradientBuffer`) and the step's squared error are summed by
/// allreduce, and the optimizer steps identically everywhere. Each rank scales its micro-batches by their measured
/// values over the measured values of the whole global batch (which every rank counts from the records it holds),
/// so the summed gradient is that of the global batch's mean loss, as in one process. Only rank 0 writes files and
/// progress. Dropout: rank 0 draws from the single-process stream `derived(seed, "dropout")`, rank r > 0 from
/// `derived(seed, "dropout:rank<r>")`; every rank's stream is saved in `last` (`TrainerState.rankDropoutRNGs`), so a
/// run resumes only with the same number of ranks.
final class TrainingSession {
    /// What one training epoch measured.
    struct EpochTraining {
        var learningRate: Float
        var trainRMSE: Double
        var rows: Int
        /// Rows (scalar mode: scalars) each rank trained on.
        var rowsPerRank: [Int]
        /// Seconds spent packing, summing across ranks and unpacking gradients (0 with one rank).
        var allreduceSeconds: Double
        var seconds: Double
        var bufferPeakBytes: Int
    }

    let config: LPMConfig
    let folder: RunFolder
    let sources: [any ConditionSource]
    let vocabularies: Vocabularies
    let corpus: TrainingCorpus
    let model: LPMModel
    let optimizer: Optimizer
    let dataFingerprint: String?
    let progress: Bool
    let communicator: Communicator
    private let resume: Bool
    private(set) var state = TrainerState(bestEpoch: 0, bestRMSE: nil, epochsWithoutImprovement: 0, history: [])
    private(set) var epoch = 0
    private(set) var step = 0
    /// The dropout stream after the last step: the epoch's training graph carries it (`Graph.rng`) and hands it back
    /// after every step; checkpoints save it.
    private var dropoutRNG: SeededRNG
    private let schedule: LearningRateSchedule
    /// The TensorBoard log (rank 0, from `start` on).
    private var events: TrainingEvents?
    /// The gradients summed across ranks each step (nil with one rank).
    private var gradients: GradientBuffer?
    private let trainRows: [[Int]]
    private let validationRows: [[Int]]
    /// Whether `init` loaded `last.safetensors`.
    private var resumedFromCheckpoint = false
    /// The epoch in progress when `last` was saved mid-epoch; the next `trainEpoch` continues it.
    private var unfinishedEpoch: EpochProgress?

    init(
        config: LPMConfig, sources: [any ConditionSource], trainRows: [[Int]], validationRows: [[Int]],
        vocabularies: Vocabularies?,
        runDirectory: URL, dataFingerprint: String?, resume: Bool, progress: Bool, communicator: Communicator
    ) throws {
        try config.validate()
        Engine.setThreads(config.resolvedThreads)
        self.config = config
        self.sources = sources
        self.dataFingerprint = dataFingerprint
        self.progress = progress && communicator.rank == 0
        self.communicator = communicator
        self.resume = resume
        self.trainRows = trainRows
        self.validationRows = validationRows
        folder = RunFolder(runDirectory)
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.last.path) && !resume {
            throw InputError(
                "\(runDirectory.path) already holds a run (last.safetensors); pass --resume to continue it or choose a new output folder"
            )
        }
        guard config.batchSize >= communicator.size else {
            throw InputError(
                "LPM config: batch_size \(config.batchSize) is smaller than the \(communicator.size) ranks (each rank trains its share of every global batch of batch_size \(config.outputMode.layout.unit)); raise batch_size or start fewer ranks"
            )
        }

        var initCheckpoint: URL? = nil
        var vocab: Vocabularies
        if config.mode == .finetune, let path = config.initFrom {
            let file = try RunFolder.checkpointFile(URL(fileURLWithPath: path))
            initCheckpoint = file
            vocab = try LPMCheckpoint.readInfo(file).vocabularies
        } else {
            vocab =
                vocabularies
                ?? Vocabularies(
                    conditions: sources.map(\.conditions), genes: sources.map(\.genes),
                    compounds: sources.map(\.compounds))
        }
        let keep = Set(config.datasets)
        func filter(_ rows: [Int], _ conditions: [Condition]) -> [Int] {
            rows.filter {
                (keep.isEmpty || keep.contains(conditions[$0].dataset))
                    && (config.includeControls || !conditions[$0].isControl)
            }
        }
        let conditionLists = sources.map(\.conditions)
        corpus = try TrainingCorpus(
            sources: sources, train: zip(trainRows, conditionLists).map { filter($0, $1) },
            validation: zip(validationRows, conditionLists).map { filter($0, $1) },
            vocabularies: vocab, shardConditions: config.shardConditions)
        PeakMemory.releaseFreedHeap()
        guard corpus.trainConditionCount > 0 else {
            throw InputError("no training conditions left after the split and the datasets filter \(config.datasets)")
        }
        let rowBytes = config.outputMode.layout.largestRecordBytes(corpus)
        let needed = config.batchSize * rowBytes
        guard config.shuffleBufferMB << 20 >= needed else {
            throw InputError(
                "LPM config: shuffle_buffer_mb \(config.shuffleBufferMB) holds less than one batch (batch_size \(config.batchSize) × \(rowBytes) bytes for the widest row = \((needed + (1 << 20) - 1) >> 20) MiB); raise shuffle_buffer_mb or lower batch_size"
            )
        }
        vocab.compoundTrainingDatasets = corpus.compoundTrainingDatasets(vocab)
        self.vocabularies = vocab

        var initRNG = SeededRNG.derived(seed: config.seed, label: "init")
        model = LPMModel(config: config, vocabularies: vocab, rng: &initRNG)
        if let initCheckpoint {
            try Checkpoint.load(from: initCheckpoint, into: model.parameters, optimizer: nil, strict: true)
        }
        if config.mode == .finetune && config.freezeCompoundEmbeddings { model.setCompoundEncoderFrozen(true) }
        optimizer = config.optimizer.make(
            parameters: model.parameters, learningRate: Float(config.learningRate),
            weightDecay: Float(config.weightDecay))
        dropoutRNG = SeededRNG.derived(
            seed: config.seed, label: communicator.rank == 0 ? "dropout" : "dropout:rank\(communicator.rank)")
        schedule = .exponential(gamma: config.lrDecay)
        let resuming = resume && fm.fileExists(atPath: folder.last.path)
        if resuming {
            resumedFromCheckpoint = true
            let point = try ResumePoint.load(
                folder.last, model: model, optimizer: optimizer, config: config,
                rank: communicator.rank, ranks: communicator.size)
            epoch = point.epoch
            step = point.step
            state = point.state
            unfinishedEpoch = state.epochProgress
            state.epochProgress = nil
            if let rng = point.dropoutRNG { dropoutRNG = rng }
            if self.progress {
                ProgressReporter.log(
                    "pretrain: resuming \(runDirectory.path) "
                        + RunFolder.resumePosition(epochs: epoch, step: step, unfinished: unfinishedEpoch))
            }
        }
        if communicator.size > 1 { gradients = GradientBuffer(parameters: model.parameters) }
    }

    /// Checks that every rank holds the same config, files and rows (`Communicator.requireAgreement`), gives every
    /// rank rank 0's weights, then on rank 0 creates the run folder, calls `onStart` (files the caller keeps there),
    /// writes `config.json`, `run.json` and opens the TensorBoard log; a `finished.json` of an earlier end is removed.
    func start(onStart: () throws -> Void) throws {
        try communicator.requireAgreement(agreementItems(), about: "the run")
        if communicator.size > 1 {
            for p in model.parameters {
                let bytes = p.value.count * MemoryLayout<Float>.stride
                communicator.broadcast(
                    UnsafeMutableRawBufferPointer(start: p.value.mutablePointer(), count: bytes), root: 0)
            }
        }
        guard communicator.rank == 0 else { return }
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        // Training again: not finished until it ends.
        if folder.isFinished { try FileManager.default.removeItem(at: folder.finished) }
        try onStart()
        try AtomicFile.write(config.jsonData(), to: folder.config)
        events = try TrainingEvents(folder: folder, resumedAtStep: resumedFromCheckpoint ? step : nil)
        try writeRunRecord()
    }

    /// What ranks must agree on: every config field, resume or not, each source (name and `DataFingerprint`), the
    /// train and validation rows, and the `last` checkpoint's size.
    private func agreementItems() throws -> [(key: String, value: String)] {
        var items: [(key: String, value: String)] = []
        let fields = try JSONSerialization.jsonObject(with: config.jsonData()) as? [String: Any] ?? [:]
        for key in fields.keys.sorted() {
            let value = try JSONSerialization.data(
                withJSONObject: fields[key]!, options: [.fragmentsAllowed, .sortedKeys])
            items.append((key: "config \(key)", value: String(decoding: value, as: UTF8.self)))
        }
        items.append((key: "--resume", value: "\(resume)"))
        items.append((key: "effects files", value: "\(sources.count)"))
        for (i, source) in sources.enumerated() {
            items.append(
                (key: "effects file \(i + 1)", value: "\(source.sourceName) (\(DataFingerprint.of([source])))"))
        }
        func hash(_ lists: [[Int]]) -> String {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for list in lists {
                for row in list + [-1] {
                    withUnsafeBytes(of: Int64(row)) { for b in $0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
                }
            }
            return String(format: "%d rows, fnv1a64:%016llx", lists.reduce(0) { $0 + $1.count }, h)
        }
        items.append((key: "train rows", value: hash(trainRows)))
        items.append((key: "validation rows", value: hash(validationRows)))
        let lastSize = (try? FileManager.default.attributesOfItem(atPath: folder.last.path)[.size] as? NSNumber)??
            .intValue
        items.append((key: "last.safetensors", value: lastSize.map { "\($0) bytes" } ?? "absent"))
        return items
    }

    /// The one stop predicate: every epoch done, or `patience` epochs without a better validation RMSE.
    var isDone: Bool { epoch >= config.maxEpochs || patienceExhausted }

    private var patienceExhausted: Bool { config.patience > 0 && state.epochsWithoutImprovement >= config.patience }

    /// One pass over the training shards in a seeded order through the shuffle buffer, read and batched on a
    /// background thread one micro-batch ahead of the optimizer (`BackgroundProducer`). An epoch resumed from a
    /// mid-epoch checkpoint draws the batches of its steps done from the shuffle buffer again without building them,
    /// and continues with the next one. With `checkpoint_every_steps`, `last` is saved every that many steps.
    func trainEpoch() throws -> EpochTraining {
        let resumed = unfinishedEpoch
        unfinishedEpoch = nil
        let skip = resumed?.steps ?? 0
        let lr = schedule.learningRate(base: Float(config.learningRate), epoch: epoch, step: step - skip)
        optimizer.learningRate = lr
        let started = Date()
        let layout = config.outputMode.layout
        let epochTotal = layout.trainRecordCount(corpus)
        let total =
            config.limitTrainBatches > 0 ? min(epochTotal, config.limitTrainBatches * config.batchSize) : epochTotal
        let reporter = ProgressReporter(
            label: "pretrain epoch \(epoch + 1)/\(config.maxEpochs)", unit: layout.unit,
            total: total, enabled: progress)
        reporter.doneBefore = resumed?.rows ?? 0
        var shuffleRNG = SeededRNG.derived(seed: config.seed, label: "shuffle:\(epoch)")
        var shards = corpus.shards(validation: false)
        shuffleRNG.shuffle(&shards)
        let graph = Graph(training: true, rng: dropoutRNG)
        // The epoch so far: what a mid-epoch checkpoint saves, and where a resumed epoch starts.
        var done =
            resumed
            ?? EpochProgress(
                steps: 0, rows: 0, rowsPerRank: [Int](repeating: 0, count: communicator.size), sse: 0, measured: 0,
                seconds: 0, allreduceSeconds: 0)
        let secondsBefore = done.seconds
        var limitReached: Bool { config.limitTrainBatches > 0 && done.steps >= config.limitTrainBatches }
        let micro = config.microBatchSize > 0 ? config.microBatchSize : config.batchSize
        let corpus = corpus, communicator = communicator
        let (capacity, batchSize, batching) = (config.shuffleBufferMB << 20, config.batchSize, config.batching)
        /// The batch thread: streams every shard's records of the layout through a shuffle buffer and emits each
        /// global batch as this rank's micro-batches of `micro_batch_size`, built ready for the model; returns the
        /// buffer's peak bytes. It alone touches the shard order, the shuffle stream and the corpus's reader during
        /// the pass, so the batches and their order are those of one thread.
        func produce<Layout: OutputLayout>(_: Layout.Type, emit: (StepPart) -> Bool) throws -> Int {
            var buffer = ShuffleBuffer<Layout.Record>(capacityBytes: capacity, batchSize: batchSize, batching: batching)
            var builder = BatchBuilder(sets: corpus.sets, panels: corpus.panels, geneCount: corpus.geneCount)
            var skipped = 0
            func split(_ records: [Layout.Record]) throws {
                guard skipped == skip else {
                    skipped += 1
                    return
                }
                let stepMeasured = records.reduce(0) { $0 + $1.measuredCount }
                let share = communicator.share(of: records.count)
                let mine = share.count > micro ? Layout.microBatchOrder(Array(records[share])) : Array(records[share])
                let starts = Array(stride(from: 0, to: mine.count, by: micro))
                for j in 0..<max(1, starts.count) {
                    let batch =
                        starts.isEmpty
                        ? nil
                        : Layout.batch(Array(mine[starts[j]..<min(mine.count, starts[j] + micro)]), builder: &builder)
                    let taken = emit(
                        StepPart(
                            batch: batch, stepRecords: records.count, stepMeasured: stepMeasured, isFirst: j == 0,
                            isLast: j == max(1, starts.count) - 1))
                    if !taken { throw BatchesNotTaken() }
                }
            }
            do {
                for (i, shard) in shards.enumerated() {
                    // The next block is read ahead by the OS while this one trains.
                    if i + 1 < shards.count { corpus.willRead(shards[i + 1]) }
                    let records = try Layout.records(corpus, shard)
                    try buffer.add(records, rng: &shuffleRNG, emit: split)
                }
                try buffer.finish(rng: &shuffleRNG, emit: split)
            } catch is BatchesNotTaken {}
            return buffer.peakBytes
        }
        let batches = BackgroundProducer<StepPart, Int>(depth: 1, label: "perturbridge batches") { emit in
            try produce(layout, emit: emit)
        }
        defer { _ = try? batches.finish() }
        // One optimizer step per global batch: this rank's micro-batches, whose losses are weighted by their share of
        // the global batch's measured values — the gradient of the whole batch's mean loss, with the memory of one
        // micro-batch; summed over ranks.
        var stepSSE = 0.0
        while !limitReached, let part = try batches.next() {
            if part.isFirst {
                optimizer.zeroGrad()
                stepSSE = 0
            }
            if let batch = part.batch {
                graph.reset()
                let loss = model.loss(batch, graph: graph)
                graph.backward(loss, seed: Tensor(scalar: Float(batch.measured) / Float(max(1, part.stepMeasured))))
                stepSSE += Double(loss.value.scalar) * Double(batch.measured)
            }
            guard part.isLast else { continue }
            if gradients != nil {
                let reduceStarted = Date()
                defer { done.allreduceSeconds += Date().timeIntervalSince(reduceStarted) }
                gradients!.pack()
                communicator.allreduceSum(&gradients!.values)
                gradients!.unpack()
                var total = [stepSSE]
                communicator.allreduceSum(&total)
                stepSSE = total[0]
            }
            done.rows += part.stepRecords
            for r in done.rowsPerRank.indices {
                done.rowsPerRank[r] += communicator.share(of: part.stepRecords, rank: r).count
            }
            optimizer.step()
            dropoutRNG = graph.rng!
            step += 1
            done.steps += 1
            done.sse += stepSSE
            done.measured += part.stepMeasured
            let stepLoss = stepSSE / Double(max(1, part.stepMeasured))
            try events?.step(step, loss: stepLoss)
            reporter.update(
                done: done.rows,
                fields: [
                    ("step", "\(step)"), ("loss", String(format: "%.4f", stepLoss)),
                    ("lr", String(format: "%.3g", lr)),
                    ("rss", String(format: "%.0fMB", PeakMemory.residentMB)),
                ])
            if config.checkpointEverySteps > 0 && done.steps % config.checkpointEverySteps == 0 {
                done.seconds = secondsBefore + Date().timeIntervalSince(started)
                try saveLast(inEpoch: done)
            }
        }
        // A resumed epoch's batch thread replayed the buffer from the epoch's start: its peak is the epoch's.
        let bufferPeak = try batches.finish()
        graph.reset()
        guard done.sse.isFinite else {
            throw InputError(
                "training diverged in epoch \(epoch + 1) (loss is not finite by step \(step)); lower learning_rate (now \(config.learningRate))"
            )
        }
        let trainRMSE = (done.sse / Double(max(1, done.measured))).squareRoot()
        reporter.finish(done: done.rows, fields: [("train_rmse", String(format: "%.4f", trainRMSE))])
        return EpochTraining(
            learningRate: lr, trainRMSE: trainRMSE, rows: done.rows, rowsPerRank: done.rowsPerRank,
            allreduceSeconds: done.allreduceSeconds, seconds: secondsBefore + Date().timeIntervalSince(started),
            bufferPeakBytes: bufferPeak)
    }

    /// Validation metrics of the current weights (streamed), batches cut into micro-batches as in training when
    /// `micro_batch_size` is set (an undivided scalar batch of 262,144 adds ~0.5 GB to the run's peak).
    func validate() throws -> ValidationMetrics {
        try corpus.validate(
            model, batchSize: config.batchSize, microBatchSize: config.microBatchSize, communicator: communicator)
    }

    /// Appends the epoch to the history, updates best / patience state, writes metrics, TensorBoard scalars and
    /// `run.json`; returns
    /// whether the validation RMSE improved.
    func record(_ train: EpochTraining, _ validation: ValidationMetrics) throws -> Bool {
        epoch += 1
        let metrics = EpochMetrics(
            epoch: epoch, step: step, learningRate: Double(train.learningRate), trainRMSE: train.trainRMSE,
            trainRows: train.rows, validation: validation, seconds: train.seconds,
            rowsPerSecond: Double(train.rows) / max(train.seconds, 1e-9), peakRSSMB: PeakMemory.residentMB,
            shuffleBufferPeakMB: Double(train.bufferPeakBytes) / Double(1 << 20),
            rowsPerRank: communicator.size > 1 ? train.rowsPerRank : nil,
            allreduceSeconds: communicator.size > 1 ? train.allreduceSeconds : nil)
        state.history.append(metrics)
        try events?.epoch(metrics)
        let improved = validation.rmse.map { rmse in state.bestRMSE.map { rmse < $0 } ?? true } ?? true
        if improved {
            state.bestEpoch = epoch
            state.bestRMSE = validation.rmse
            state.epochsWithoutImprovement = 0
        } else {
            state.epochsWithoutImprovement += 1
        }
        if progress {
            ProgressReporter.log(
                String(
                    format: "pretrain epoch %d: train_rmse %.4f val_rmse %@ val_r %@ %.1f s %.0f rows/s peak %.0f MB",
                    epoch, train.trainRMSE, validation.rmse.map { String(format: "%.4f", $0) } ?? "-",
                    validation.pearson.map { String(format: "%.3f", $0) } ?? "-", train.seconds,
                    metrics.rowsPerSecond, metrics.peakRSSMB ?? .nan))
        }
        if communicator.rank == 0 {
            try folder.writeMetrics(state.history, datasets: vocabularies.datasets)
            try writeRunRecord()
        }
        return improved
    }

    /// Writes `best` (when improved), `epoch-NNNN` (every `checkpoint_every` epochs) and `last` (with optimizer
    /// state, for resume) on rank 0; with several ranks every rank's dropout stream is gathered into the state first
    /// (a collective: call it on every rank).
    func saveCheckpoints(improved: Bool) throws {
        guard let info = try checkpointInfo() else { return }
        if improved { try Checkpoint.save(to: folder.best, parameters: model.parameters, optimizer: nil, info: info) }
        if config.checkpointEvery > 0 && epoch % config.checkpointEvery == 0 {
            try Checkpoint.save(to: folder.epoch(epoch), parameters: model.parameters, optimizer: nil, info: info)
        }
        try Checkpoint.save(to: folder.last, parameters: model.parameters, optimizer: optimizer, info: info)
    }

    /// Writes `last` inside an epoch, with how far the epoch got (a collective, like `saveCheckpoints`).
    private func saveLast(inEpoch progress: EpochProgress) throws {
        state.epochProgress = progress
        defer { state.epochProgress = nil }
        guard let info = try checkpointInfo() else { return }
        try Checkpoint.save(to: folder.last, parameters: model.parameters, optimizer: optimizer, info: info)
    }

    /// The sidecar of a checkpoint of the current state, after gathering every rank's dropout stream into it; nil on
    /// ranks other than 0, which write nothing.
    private func checkpointInfo() throws -> CheckpointInfo? {
        if communicator.size > 1 {
            let mine = withUnsafeBytes(of: (dropoutRNG.state, dropoutRNG.increment)) { Array($0) }
            state.rankDropoutRNGs = communicator.allgather(mine).map { bytes in
                let (state, increment) = bytes.withUnsafeBytes { $0.loadUnaligned(as: (UInt64, UInt64).self) }
                return SavedRNG(SeededRNG(state: state, increment: increment))
            }
        }
        guard communicator.rank == 0 else { return nil }
        return CheckpointInfo(
            config: try JSONValue(encoding: config), vocabularies: try JSONValue(encoding: vocabularies),
            epoch: epoch, step: step, rng: dropoutRNG, extra: try JSONValue(encoding: state))
    }

    /// Marks the run folder finished (rank 0), after its last checkpoint and metrics.
    func finish() throws {
        if communicator.rank == 0 { try folder.markFinished(result) }
    }

    /// The run's outcome so far.
    var result: TrainingRun {
        let best = state.history.first { $0.epoch == state.bestEpoch }
        return TrainingRun(
            bestEpoch: state.bestEpoch, bestValidationRMSE: state.bestRMSE,
            perDatasetValidationRMSE: best?.validation.perDatasetRMSE ?? [:], history: state.history,
            runDirectory: folder.url, stoppedEarly: patienceExhausted && epoch < config.maxEpochs)
    }

    private func writeRunRecord() throws {
        try RunRecord.write(
            folder: folder, config: config, vocabularies: vocabularies, corpus: corpus,
            dataFingerprint: dataFingerprint, sources: sources, state: state,
            worldSize: communicator.size,
            allreduceBytesPerStep: gradients.map {
                $0.values.count * MemoryLayout<Float>.stride + MemoryLayout<Double>.stride
            })
    }
}

extension OptimizerKind {
    /// The optimizer over `parameters`.
    public func make(parameters: [Parameter], learningRate: Float, weightDecay: Float) -> Optimizer {
        switch self {
        case .adamw: return Adam.adamW(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)
        case .adam: return Adam(parameters: parameters, learningRate: learningRate, weightDecay: .l2(weightDecay))
        case .sgd:
            return SGD(parameters: parameters, learningRate: learningRate, momentum: 0.9, weightDecay: weightDecay)
        }
    }
}

/// Thrown out of the shuffle buffer once the optimizer stopped taking batches (`limit_train_batches`), so the batch
/// thread ends at once instead of drawing the rest of the block's batches for nothing.
private struct BatchesNotTaken: Error {}

/// One micro-batch of an optimizer step as the batch thread hands it over: this rank's micro-batch (nil when its share
/// of the global batch is empty), the global batch's records and measured values, and where the step starts and ends.
struct StepPart {
    var batch: Batch?
    var stepRecords: Int
    var stepMeasured: Int
    var isFirst: Bool
    var isLast: Bool
}
