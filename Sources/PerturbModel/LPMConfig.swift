import Foundation
import PerturbBase

/// The optimizer of a run.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    /// AdamW, decoupled weight decay (the reference).
    case adamw
    /// Adam with L2 weight decay added to the gradient.
    case adam
    /// SGD with momentum 0.9.
    case sgd
}

/// One training row per (condition, gene) scalar (`scalar`) or per condition with every gene as an output
/// (`multiout`), as the reference LPM's `output_mode`.
public enum OutputMode: String, Codable, CaseIterable, Sendable {
    case scalar, multiout
}

/// What data a run trains on.
public enum TrainingMode: String, Codable, CaseIterable, Sendable {
    /// Every dataset given (the pretraining corpus).
    case all
    /// Only `datasets` (the targets), from scratch; vocabularies stay global (built from every file given).
    case scratch
    /// Only `datasets`, starting from the weights of `initFrom` (strict load), fresh optimizer and schedule, the
    /// compound encoder frozen unless `freezeCompoundEmbeddings` is false.
    case finetune
}

/// Model and training settings of an LPM run: a JSON, YAML or TOML file (`experiments/pretrain/`; snake_case keys,
/// every key optional, unknown keys rejected) plus CLI overrides. Defaults are the reference's (seed-spec §3.1).
public struct LPMConfig: Codable, Equatable, Sendable {
    public var outputMode: OutputMode = .multiout
    public var embeddingDim = 128
    public var hiddenWidth = 256
    public var hiddenLayers = 2
    public var dropout = 0.1
    public var compoundEncoder: CompoundEncoderKind = .learned
    /// Morgan radius for the `morgan_*` tables (bits = `embeddingDim`) and the fingerprint encoder.
    public var morganRadius = 2
    /// Morgan bits fed to the `fingerprint_mlp` encoder.
    public var fingerprintBits = 2048
    /// Hidden width of the `fingerprint_mlp` encoder.
    public var fingerprintHidden = 256
    public var optimizer: OptimizerKind = .adamw
    public var learningRate = 2e-3
    public var weightDecay = 0.01
    /// Exponential learning-rate decay per epoch (PyTorch `ExponentialLR`).
    public var lrDecay = 0.97
    public var batchSize = 4096
    public var maxEpochs = 25
    /// Stop after this many epochs without a better validation RMSE; 0 = never (the reference).
    public var patience = 0
    public var seed: UInt64 = 13
    /// Engine threads (OpenBLAS and kernels); 0 = `Parallel.threadCount`. Same seed + threads → same weights.
    public var threads = 0
    /// Save `epoch-NNNN.safetensors` every N epochs; 0 = never (best and last are always kept).
    public var checkpointEvery = 1
    /// Also save `last` every N optimizer steps inside an epoch; 0 = only at epoch ends (Lightning's
    /// `every_n_train_steps`). `--resume` then continues the epoch after its last saved step, with the weights,
    /// metrics and data order of an uninterrupted run — for epochs of hours (scalar mode at full scale).
    public var checkpointEverySteps = 0
    public var mode: TrainingMode = .all
    /// Target datasets for `scratch`/`finetune` (and a filter for `all`); empty = every dataset.
    public var datasets: [String] = []
    /// Checkpoint (a run folder or a `.safetensors` file) to start from in `finetune` mode.
    public var initFrom: String? = nil
    /// Freeze the compound encoder while fine-tuning (reference: true).
    public var freezeCompoundEmbeddings = true
    /// Shuffle buffer size in MiB (rows held dense over their measured genes, or scalar records); batches are
    /// drawn at random once it is full. The default leaves a 24 GB machine room for the model and page cache.
    public var shuffleBufferMB = 1024
    /// `mixed` (batches mix datasets in proportion, as the reference) or `by_dataset` (one dataset per batch).
    public var batching: Batching = .mixed
    /// Conditions read from an effects file at a time at most (the streaming unit, a "shard"; wide files read
    /// fewer so a block stays near 64 MiB). Each epoch visits the shards of every file in a seeded order.
    public var shardConditions = 2048
    /// Rows per forward/backward pass; 0 = the whole batch. A smaller value accumulates the gradient of one
    /// `batch_size` step over micro-batches (the same update up to float summation order, with the activation
    /// memory of a micro-batch): the reference's effective batch of 262,144 scalars fits a few GB this way. In scalar
    /// mode a step's scalars are grouped by gene before they are cut (`OutputLayout.microBatchOrder`), so each gene's
    /// embedding row is projected in about one micro-batch of the step. Validation runs in batches of this size too.
    public var microBatchSize = 0
    /// Steps per epoch at most; 0 = the whole epoch (Lightning's `limit_train_batches`: smoke tests, benchmarks).
    public var limitTrainBatches = 0
    /// Train on vehicle-control conditions too (the reference drops them).
    public var includeControls = false
    /// The time feature is `hours / time_scale_hours`. 1 = raw hours, as the reference. On the simulator, raw hours
    /// (24 for every condition of a dataset) dominate the first layer's input and the LPM then learns little more
    /// than per-gene means in 20 epochs (train RMSE 0.422 vs 0.424 for gene means, the same in PyTorch); with 24
    /// (time in days) it reaches 0.290 — so the demo uses 24.
    public var timeScaleHours = 1.0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case outputMode = "output_mode", embeddingDim = "embedding_dim", hiddenWidth = "hidden_width"
        case hiddenLayers = "hidden_layers", dropout, compoundEncoder = "compound_encoder", morganRadius =
            "morgan_radius"
        case fingerprintBits = "fingerprint_bits", fingerprintHidden = "fingerprint_hidden", optimizer
        case learningRate = "learning_rate", weightDecay = "weight_decay", lrDecay = "lr_decay", batchSize =
            "batch_size"
        case maxEpochs = "max_epochs", patience, seed, threads, checkpointEvery = "checkpoint_every", mode, datasets
        case checkpointEverySteps = "checkpoint_every_steps"
        case initFrom = "init_from", freezeCompoundEmbeddings = "freeze_compound_embeddings"
        case shuffleBufferMB = "shuffle_buffer_mb", batching, shardConditions = "shard_conditions"
        case limitTrainBatches = "limit_train_batches", microBatchSize = "micro_batch_size"
        case includeControls = "include_controls", timeScaleHours = "time_scale_hours"
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
            .first(where: { !known.contains($0) })
        {
            throw UnknownConfigKey(key: unknown, known: known.sorted())
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = LPMConfig()
        func take<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try take(.outputMode, &d.outputMode); try take(.embeddingDim, &d.embeddingDim)
        try take(.hiddenWidth, &d.hiddenWidth); try take(.hiddenLayers, &d.hiddenLayers); try take(.dropout, &d.dropout)
        try take(.compoundEncoder, &d.compoundEncoder); try take(.morganRadius, &d.morganRadius)
        try take(.fingerprintBits, &d.fingerprintBits); try take(.fingerprintHidden, &d.fingerprintHidden)
        try take(.optimizer, &d.optimizer); try take(.learningRate, &d.learningRate);
        try take(.weightDecay, &d.weightDecay)
        try take(.lrDecay, &d.lrDecay); try take(.batchSize, &d.batchSize); try take(.maxEpochs, &d.maxEpochs)
        try take(.patience, &d.patience); try take(.seed, &d.seed); try take(.threads, &d.threads)
        try take(.checkpointEvery, &d.checkpointEvery); try take(.mode, &d.mode); try take(.datasets, &d.datasets)
        try take(.checkpointEverySteps, &d.checkpointEverySteps)
        if let v = try c.decodeIfPresent(String.self, forKey: .initFrom) { d.initFrom = v }
        try take(.freezeCompoundEmbeddings, &d.freezeCompoundEmbeddings)
        try take(.shuffleBufferMB, &d.shuffleBufferMB); try take(.batching, &d.batching)
        try take(.shardConditions, &d.shardConditions); try take(.limitTrainBatches, &d.limitTrainBatches)
        try take(.microBatchSize, &d.microBatchSize)
        try take(.includeControls, &d.includeControls); try take(.timeScaleHours, &d.timeScaleHours)
        self = d
    }

    /// Reads a config file — JSON, YAML (`.yaml`/`.yml`) or TOML (`.toml`), by extension, all with this schema —
    /// errors name the file, the key and, where the parser gives it, the line.
    public static func read(_ url: URL) throws -> LPMConfig {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw InputError("\(url.path): config file not found")
        }
        let document = try ConfigDocument(data, of: url)
        do { return try JSONDecoder().decode(LPMConfig.self, from: document.json) } catch let error as UnknownConfigKey
        {
            throw InputError(
                "\(url.path): \(document.keyLines[error.key].map { "line \($0): " } ?? "")\(error.message)")
        } catch let error as InputError {
            throw InputError("\(url.path): \(error.message)")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            let line =
                context.codingPath.first.flatMap { document.keyLines[$0.stringValue] }.map { "line \($0): " } ?? ""
            throw InputError("\(url.path): \(line)field '\(path)': \(context.debugDescription)")
        } catch {
            throw InputError("\(url.path): not a valid LPM config (\(error))")
        }
    }

    /// Pretty JSON with sorted keys (the run folder's `config.json`).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Effective engine thread count.
    public var resolvedThreads: Int { threads > 0 ? threads : Parallel.threadCount }

    /// `validate()` for a config read from `file` (then changed by flags): the error names the file too.
    public func validated(from file: URL) throws -> LPMConfig {
        do { try validate() } catch let error as InputError {
            throw InputError("\(file.path) (with the command's overrides): \(error.message)")
        }
        return self
    }

    /// Checks ranges and combinations; throws an `InputError` naming the field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ what: String) throws {
            if !ok { throw InputError("LPM config: \(field) \(what)") }
        }
        try check(embeddingDim > 0, "embedding_dim", "must be positive, got \(embeddingDim)")
        try check(hiddenWidth > 0, "hidden_width", "must be positive, got \(hiddenWidth)")
        try check(hiddenLayers >= 0, "hidden_layers", "must be ≥ 0, got \(hiddenLayers)")
        try check(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1), got \(dropout)")
        try check(
            timeScaleHours > 0 && timeScaleHours.isFinite, "time_scale_hours",
            "must be a positive number, got \(timeScaleHours)")
        try check(morganRadius >= 0, "morgan_radius", "must be ≥ 0, got \(morganRadius)")
        try check(
            fingerprintBits > 0 && fingerprintHidden > 0, "fingerprint_bits/fingerprint_hidden", "must be positive")
        try check(learningRate > 0 && learningRate.isFinite, "learning_rate", "must be positive, got \(learningRate)")
        try check(weightDecay >= 0, "weight_decay", "must be ≥ 0, got \(weightDecay)")
        try check(lrDecay > 0 && lrDecay <= 1, "lr_decay", "must be in (0, 1], got \(lrDecay)")
        try check(batchSize > 0, "batch_size", "must be positive, got \(batchSize)")
        try check(maxEpochs > 0, "max_epochs", "must be positive, got \(maxEpochs)")
        try check(patience >= 0, "patience", "must be ≥ 0, got \(patience)")
        try check(threads >= 0, "threads", "must be ≥ 0, got \(threads)")
        try check(checkpointEvery >= 0, "checkpoint_every", "must be ≥ 0, got \(checkpointEvery)")
        try check(
            checkpointEverySteps >= 0, "checkpoint_every_steps", "must be ≥ 0, got \(checkpointEverySteps)")
        try check(shuffleBufferMB > 0, "shuffle_buffer_mb", "must be positive, got \(shuffleBufferMB)")
        try check(microBatchSize >= 0, "micro_batch_size", "must be ≥ 0, got \(microBatchSize)")
        try check(limitTrainBatches >= 0, "limit_train_batches", "must be ≥ 0, got \(limitTrainBatches)")
        try check(shardConditions > 0, "shard_conditions", "must be positive, got \(shardConditions)")
        try check(
            mode == .all || !datasets.isEmpty, "datasets", "must name the target dataset(s) in mode \(mode.rawValue)")
        try check(mode != .finetune || initFrom != nil, "init_from", "must name a checkpoint in mode finetune")
    }
}

/// A config key outside `LPMConfig`'s schema.
public struct UnknownConfigKey: UserInputError {
    /// The key as written.
    public var key: String
    /// Every key the schema knows, sorted.
    public var known: [String]
    var message: String { "LPM config: unknown key '\(key)'; known keys: \(known.joined(separator: ", "))" }
    public var description: String { message }
}
