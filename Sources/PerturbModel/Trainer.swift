import Foundation
import PerturbBase
import PerturbData
import PerturbDistributed
import PerturbNN

/// Trains LPMs: seeded shuffling per epoch through a shuffle buffer, AdamW with exponential decay per epoch,
/// validation each epoch (pooled RMSE overall and per dataset, Pearson), best checkpoint by validation RMSE,
/// checkpoints every N epochs plus a rolling `last` checkpoint (weights, optimizer moments, dropout RNG,
/// epoch/step, early-stopping state), exact resume, early stopping with patience, progress on stderr.
///
/// `fit` reads like llm.c's main: a `TrainingSession` is set up, then each epoch trains, validates, records and
/// checkpoints until the session's one stop predicate (`isDone`) holds.
///
/// Determinism: epoch e shuffles with `SeededRNG.derived(seed, "shuffle:e")`, dropout draws from one stream saved
/// in checkpoints, init from `derived(seed, "init")`; with the same seed and thread count a run — interrupted and
/// resumed or not — ends with bit-identical weights.
///
/// Data-parallel (`communicator` of several ranks, `mpirun -np N perturbridge pretrain`): every rank takes its share
/// of each global batch and the gradients are summed (`TrainingSession`); the weights follow a single process's with
/// the same batch size up to float summation order (exactly, with dropout 0). Setup must succeed and agree on every
/// rank before rank 0 writes anything; only rank 0 writes the run folder.
public enum Trainer {
    /// Trains on rows of an in-memory table. `initFrom` (a run folder or `.safetensors`) fine-tunes: all weights
    /// loaded strictly, fresh optimizer and schedule, epochs from 0; `freezeCompoundEmbeddings` keeps the compound
    /// encoder fixed. `vocabularies` defaults to the table's (or the checkpoint's when fine-tuning).
    public static func fit(
        config: LPMConfig, data: EffectsTable, trainRows: [Int], validationRows: [Int], runDirectory: URL,
        initFrom: URL? = nil, freezeCompoundEmbeddings: Bool = false, vocabularies: Vocabularies? = nil,
        resume: Bool = false, progress: Bool = true
    ) throws -> TrainingRun {
        var config = config
        if let initFrom {
            config.mode = .finetune
            config.initFrom = initFrom.path
            config.freezeCompoundEmbeddings = freezeCompoundEmbeddings
            if config.datasets.isEmpty { config.datasets = data.datasets }
        }
        return try fit(
            config: config, sources: [TableSource(data)], trainRows: [trainRows], validationRows: [validationRows],
            vocabularies: vocabularies, runDirectory: runDirectory, resume: resume, progress: progress)
    }

    /// Trains on rows of several sources (tables or streamed files). Rows of datasets outside `config.datasets`
    /// (when non-empty) and control conditions (unless `includeControls`) are dropped. Vocabularies: from
    /// `config.initFrom` when fine-tuning, else `vocabularies`, else built from every condition of every source.
    /// `communicator` (default: one process) trains data-parallel over its ranks; `onStart` runs on rank 0 once every
    /// rank has set up and agreed, before the run writes its first file (for files the caller keeps in the folder).
    /// `finished.json` is written last, when training ends (`RunFolder.isFinished`).
    public static func fit(
        config: LPMConfig, sources: [any ConditionSource], trainRows: [[Int]], validationRows: [[Int]],
        vocabularies: Vocabularies? = nil, runDirectory: URL, dataFingerprint: String? = nil,
        resume: Bool = false, progress: Bool = true, communicator: Communicator = .single,
        onStart: () throws -> Void = {}
    ) throws -> TrainingRun {
        let session = try communicator.collectively("pretrain setup") {
            try TrainingSession(
                config: config, sources: sources, trainRows: trainRows, validationRows: validationRows,
                vocabularies: vocabularies, runDirectory: runDirectory, dataFingerprint: dataFingerprint,
                resume: resume, progress: progress, communicator: communicator)
        }
        try session.start(onStart: onStart)
        while !session.isDone {
            let train = try session.trainEpoch()
            let validation = try session.validate()
            let improved = try session.record(train, validation)
            try session.saveCheckpoints(improved: improved)
        }
        try session.finish()
        return session.result
    }

    /// The model of a run's best checkpoint.
    public static func loadBest(runDirectory: URL) throws -> LPMModel {
        try LPMCheckpoint.load(RunFolder(runDirectory).best)
    }
}
