import ArgumentParser
import Foundation
import PerturbBase
import PerturbData
import PerturbDistributed
import PerturbEval
import PerturbModel

/// `perturbridge pretrain`: trains an LPM on effects files (streamed) into a run folder.
struct Pretrain: ParsableCommand, RunsOverRanks {
    static let configuration = CommandConfiguration(
        abstract: "Train an LPM (compound, context, dataset, gene embeddings) on effects files.",
        discussion: """
            The config (JSON, YAML or TOML by extension; experiments/pretrain/*.json) sets the model and training; flags \
            override it, and --print-config prints the result as JSON (what config.json in the run folder will hold). Effects files \
            are streamed shard by shard through a shuffle buffer, so data larger than memory trains. Vocabularies are \
            global over every file given, also when --datasets restricts training to targets. Without --split, a seeded \
            random 80/10/10 condition split is made and saved as split.tsv in the run folder. The run folder gets \
            config.json, run.json, metrics.jsonl/.csv, curves.svg (training and validation RMSE per epoch, overall and \
            per dataset), a TensorBoard event file per process (tensorboard --logdir), best/last/epoch-NNNN \
            checkpoints. --resume continues a killed run from last.safetensors and ends with the same \
            weights as an uninterrupted run (same seed and --threads).

            Under mpirun (Open MPI) the ranks train data-parallel: each takes its share of every global batch of \
            batch_size, gradients are summed across ranks, and only rank 0 writes the run folder and progress. Every rank \
            must get the same config, flags and files (checked at start; a difference is an error naming it, with nothing \
            written); --resume needs the same number of ranks. Weights equal a single process's with the same batch size \
            up to float rounding when dropout is 0 (each rank draws its own dropout masks).

            Examples:
              perturbridge simulate --output demo-data --seed 13
              perturbridge pretrain --config experiments/pretrain/lpm-multiout.json --effects demo-data/*.h5ad \\
                  --output checkpoints/all --epochs 20
              perturbridge pretrain --config experiments/pretrain/finetune-frozen.json --effects demo-data/*.h5ad \\
                  --split checkpoints/all/split.tsv --datasets sim_op3 --init-from checkpoints/all --output checkpoints/ft-op3
              perturbridge pretrain --config my-run.yaml --epochs 5 --print-config
              mpirun -np 2 perturbridge pretrain --config experiments/pretrain/lpm-multiout.json --effects demo-data/*.h5ad \\
                  --threads 1 --output checkpoints/all-2ranks
            """
    )

    @Option(help: "Config file: .json, .yaml/.yml or .toml (experiments/pretrain/*.json).") var config: String
    @Option(parsing: .upToNextOption, help: "Effects .h5ad files (one or more).") var effects: [String] = []
    @Option(help: "Split TSV (from `perturbridge split`); train/val rows are used, test rows are not.") var split:
        String?
    @Option(help: "Run folder.") var output: String?
    @Flag(help: "Continue the run in --output from its last checkpoint.") var resume = false
    @Option(help: "Override max_epochs.") var epochs: Int?
    @Option(help: "Override batch_size.") var batchSize: Int?
    @Option(help: "Override learning_rate.") var lr: Double?
    @Option(help: "Override seed.") var seed: UInt64?
    @Option(help: "Override threads (0 = all cores).") var threads: Int?
    @Option(help: "Override compound_encoder.") var encoder: CompoundEncoderKind?
    @Option(help: "Override output_mode.") var outputMode: OutputMode?
    @Option(help: "Override mode.") var mode: TrainingMode?
    @Option(help: "Override datasets (comma-separated targets / filter).") var datasets: CommaList<String>?
    @Option(help: "Override init_from (run folder or .safetensors) for finetune.") var initFrom: String?
    @Option(help: "Override patience (0 = no early stopping).") var patience: Int?
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(help: "Print the resolved config (file + flag overrides) as JSON and exit.") var printConfig = false

    func resolvedConfig() throws -> LPMConfig {
        var c = try LPMConfig.read(URL(fileURLWithPath: config))
        if let epochs { c.maxEpochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let lr { c.learningRate = lr }
        if let seed { c.seed = seed }
        if let threads { c.threads = threads }
        if let patience { c.patience = patience }
        if let encoder { c.compoundEncoder = encoder }
        if let outputMode { c.outputMode = outputMode }
        if let mode { c.mode = mode }
        if let datasets { c.datasets = datasets.items }
        if let initFrom { c.initFrom = initFrom }
        return try c.validated(from: URL(fileURLWithPath: config))
    }

    func run() throws {
        let config = try resolvedConfig()
        if printConfig {
            print(String(decoding: try config.jsonData(), as: UTF8.self))
            return
        }
        guard !effects.isEmpty else { throw InputError("--effects needs at least one effects .h5ad file") }
        guard let output else { throw InputError("--output needs the run folder to write") }
        let communicator = try Communicator.world
        let sources = try effects.map { try EffectsReader(url: URL(fileURLWithPath: $0)) }
        let runDirectory = URL(fileURLWithPath: output)
        let assignment: SplitAssignment
        /// The random split to save in the run folder once training starts (nil when it comes from a file).
        var newSplitFile: URL? = nil
        if let split {
            assignment = try SplitAssignment.read(URL(fileURLWithPath: split))
        } else {
            let splitFile = runDirectory.appendingPathComponent("split.tsv")
            if resume, FileManager.default.fileExists(atPath: splitFile.path) {
                assignment = try SplitAssignment.read(splitFile)
            } else {
                assignment = RandomSplit.make(conditions: sources.flatMap(\.conditions), seed: config.seed)
                newSplitFile = splitFile
            }
        }
        let splitOf = assignment.splitOf
        var train: [[Int]] = [], validation: [[Int]] = []
        var unassigned = 0
        for source in sources {
            var t: [Int] = [], v: [Int] = []
            for (row, condition) in source.conditions.enumerated() {
                switch splitOf[condition.id] {
                case SplitAssignment.train?: t.append(row)
                case SplitAssignment.val?: v.append(row)
                case nil: unassigned += 1
                default: break
                }
            }
            train.append(t)
            validation.append(v)
        }
        if unassigned > 0 && !quiet && communicator.rank == 0 {
            ProgressReporter.log("pretrain: \(unassigned) conditions are not in the split and are left out")
        }
        let started = Date()
        let result = try Trainer.fit(
            config: config, sources: sources, trainRows: train, validationRows: validation,
            runDirectory: runDirectory, resume: resume, progress: !quiet, communicator: communicator
        ) {
            if let newSplitFile { try assignment.write(to: newSplitFile) }
        }
        guard communicator.rank == 0 else { return }
        let curvesTitle =
            "Training curves: \(runDirectory.lastPathComponent) (\(config.mode.rawValue), "
            + "encoder \(config.compoundEncoder.rawValue))"
        try TrainingCurves.write(result, title: curvesTitle)
        print("run\t\(runDirectory.path)")
        print("epochs\t\(result.history.count)\(result.stoppedEarly ? " (early stop)" : "")")
        print("best_epoch\t\(result.bestEpoch)")
        print("best_val_rmse\t\(result.bestValidationRMSE.map { String(format: "%.5f", $0) } ?? "NA")")
        for (dataset, rmse) in result.perDatasetValidationRMSE.sorted(by: { $0.key < $1.key }) {
            print("best_val_rmse/\(dataset)\t\(String(format: "%.5f", rmse))")
        }
        ProgressReporter.log(String(format: "pretrain: done in %.1f s", Date().timeIntervalSince(started)))
    }
}
