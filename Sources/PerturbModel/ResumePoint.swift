import Foundation
import PerturbBase
import PerturbNN

/// Where a killed run continues (`pretrain --resume`): what `last.safetensors` and its sidecar hold besides the
/// weights, which `load` restores into the model and optimizer.
public struct ResumePoint {
    /// Completed epochs.
    public let epoch: Int
    /// Completed optimizer steps.
    public let step: Int
    let state: TrainerState
    /// The dropout stream of this rank at the checkpoint (nil: the checkpoint saved none).
    let dropoutRNG: SeededRNG?

    /// Loads `file` (a run's `last.safetensors`) into `model` and `optimizer`, strictly, and checks that the run can
    /// continue under `config` with `ranks` processes; errors name the file and what differs.
    public static func load(
        _ file: URL, model: LPMModel, optimizer: Optimizer, config: LPMConfig, rank: Int = 0,
        ranks: Int = 1
    ) throws -> ResumePoint {
        let info = try Checkpoint.load(from: file, into: model.parameters, optimizer: optimizer, strict: true)
        let saved: LPMConfig, state: TrainerState
        do {
            saved = try info.config.decode(LPMConfig.self)
            state = try info.extra.decode(TrainerState.self)
        } catch {
            throw CheckpointError(
                file: Checkpoint.sidecarURL(for: file).path,
                problem: "not the sidecar of a run's last checkpoint (\(error))")
        }
        guard saved.seed == config.seed, saved.outputMode == config.outputMode, saved.threads == config.threads,
            saved.batching == config.batching, saved.shuffleBufferMB == config.shuffleBufferMB
        else {
            throw InputError(
                "\(file.path): resume needs the run's seed, output mode, threads, batching and "
                    + "shuffle_buffer_mb (saved seed \(saved.seed), \(saved.outputMode.rawValue), "
                    + "threads \(saved.threads), "
                    + "\(saved.batching.rawValue), \(saved.shuffleBufferMB) MiB)")
        }
        if let progress = state.epochProgress {
            let same =
                saved.batchSize == config.batchSize && saved.microBatchSize == config.microBatchSize
                && saved.shardConditions == config.shardConditions && saved.datasets == config.datasets
                && saved.includeControls == config.includeControls
            guard same else {
                throw InputError(
                    "\(file.path): saved after step \(progress.steps) of epoch \(info.epoch + 1); continuing that "
                        + "epoch needs the run's batch_size, micro_batch_size, shard_conditions, datasets and "
                        + "include_controls (saved \(saved.batchSize), \(saved.microBatchSize), "
                        + "\(saved.shardConditions), \(saved.datasets), \(saved.includeControls))")
            }
        }
        let savedRanks = state.rankDropoutRNGs?.count ?? 1
        guard savedRanks == ranks else {
            let plural = savedRanks == 1 ? "" : "es", alternative = savedRanks == 1 ? " or no mpirun" : ""
            throw InputError(
                "\(file.path): the run was trained by \(savedRanks) process\(plural) and resumes only "
                    + "with as many (`mpirun -np \(savedRanks)`\(alternative)); this start has \(ranks)")
        }
        return ResumePoint(
            epoch: info.epoch, step: info.step, state: state,
            dropoutRNG: state.rankDropoutRNGs.map { $0[rank].rng } ?? info.rng)
    }
}
