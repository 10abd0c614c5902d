import Foundation
import PerturbBase
import PerturbNN
import PerturbTensor

/// `run.json`: seed, mode, data fingerprint, sizes, versions and the best epoch so far.
struct RunRecord: Codable {
    var tool = Tool.name
    var version = Tool.version
    var checkpointFormat = Checkpoint.format
    var seed: UInt64
    var threads: Int
    /// The OpenBLAS kernels the run used (`BLASCore.name`).
    var blasCore = BLASCore.name
    /// Processes training data-parallel (`mpirun -np`; 1 without mpirun).
    var worldSize: Int
    /// Per finished epoch, the rows (scalar mode: scalars) each rank trained on (nil for a single process).
    var rowsPerRank: [[Int]]?
    /// Bytes each rank sends into the allreduces of one step: the packed gradients (float32 values + one flag per
    /// parameter) and the step's squared error (nil for a single process).
    var allreduceBytesPerStep: Int?
    var mode: String
    var outputMode: String
    var compoundEncoder: String
    var dataFingerprint: String
    var sources: [String]
    var trainConditions: Int
    var validationConditions: Int
    var vocabularySizes: [String: Int]
    var bestEpoch: Int
    var bestValidationRMSE: Double?
    var epochsCompleted: Int
    var batching: String
    /// The last epoch's training throughput, duration and the process's peak memory.
    var rowsPerSecond: Double?
    var epochSeconds: Double?
    var peakRSSMB: Double?

    static func write(
        folder: RunFolder, config: LPMConfig, vocabularies v: Vocabularies, corpus: TrainingCorpus,
        dataFingerprint: String?, sources: [any ConditionSource], state: TrainerState, worldSize: Int,
        allreduceBytesPerStep: Int?
    ) throws {
        let record = RunRecord(
            seed: config.seed, threads: config.resolvedThreads, worldSize: worldSize,
            rowsPerRank: worldSize > 1 ? state.history.map { $0.rowsPerRank ?? [] } : nil,
            allreduceBytesPerStep: allreduceBytesPerStep,
            mode: config.mode.rawValue,
            outputMode: config.outputMode.rawValue, compoundEncoder: config.compoundEncoder.rawValue,
            dataFingerprint: dataFingerprint ?? DataFingerprint.of(sources),
            sources: sources.map(\.sourceName), trainConditions: corpus.trainConditionCount,
            validationConditions: corpus.validationConditionCount,
            vocabularySizes: [
                "datasets": v.datasets.count, "contexts": v.contexts.count,
                "compounds": v.compounds.count, "genes": v.genes.count,
            ],
            bestEpoch: state.bestEpoch, bestValidationRMSE: state.bestRMSE,
            epochsCompleted: state.history.count, batching: config.batching.rawValue,
            rowsPerSecond: state.history.last?.rowsPerSecond, epochSeconds: state.history.last?.seconds,
            peakRSSMB: PeakMemory.residentMB)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(record), to: folder.run)
    }
}

/// A short hash identifying the training data: for files, FNV-1a over path, size and modification time; for
/// in-memory tables, over the condition ids and the logFC bytes.
public enum DataFingerprint {
    public static func of(_ sources: [any ConditionSource]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for source in sources {
            source.fingerprint { bytes in for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        }
        return String(format: "fnv1a64:%016llx", h)
    }
}
