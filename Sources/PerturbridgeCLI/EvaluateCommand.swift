import ArgumentParser
import Foundation
import PerturbBase
import PerturbChem
import PerturbData
import PerturbDistributed
import PerturbEval
import PerturbModel
import PerturbNN
import PerturbTensor

/// `perturbridge evaluate`: the evaluation protocols that decide whether pretrained compound embeddings help.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluation protocols: OP3 compound-held-out and molecule holdout across datasets.",
        discussion: """
            Each protocol writes TSV tables, a Markdown summary, SVG charts and REPORT.html (one \
            self-contained page) into --output and prints the summary table on stdout; progress goes to stderr.

            Examples:
              perturbridge evaluate op3 --effects de_train.h5ad de_test.h5ad \\
                --features lpm_all=emb_all.h5ad,lpm_l1000=emb_l1000.h5ad,morgan,none --output runs/op3
              perturbridge evaluate holdout --effects sim/*.h5ad \\
                --config experiments/pretrain/lpm-multiout.json --output runs/holdout
            """,
        subcommands: [EvaluateOP3.self, EvaluateHoldout.self]
    )
}

/// `perturbridge evaluate op3`.
struct EvaluateOP3: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "op3",
        abstract:
            "OP3 compound-held-out protocol: predict held-out compounds' per-gene effects from compound features.",
        discussion: """
            The effects files are concatenated (OP3 de_train + de_test, or our effects .h5ad); \
            --test-fraction of the compounds are drawn with --split-seed and every row of a drawn \
            compound (all cell types) is held out. For each feature set and seed, a downstream \
            predictor is trained on the other rows and scored on the held-out rows with the OP3 \
            metrics (mean row-wise RMSE, MAE, Pearson, Spearman, cosine). --predictor fast (the \
            default): cell-type and compound embeddings → one MLP regressing truncated-SVD \
            coordinates of the targets, ensemble of --ensemble networks, per-gene clipping to the \
            training range (--components … --ensemble set it). --predictor reference: the OP3 \
            method nn_retraining_with_pseudolabels — 7 tuned Keras-style networks (BatchNorm, \
            dropout, MAE or mean-row-wise-RMSE losses, their SVD sizes and epochs), each trained \
            --repetitions times (median), weighted with the published weights and clipped, give \
            pseudo-labels for the held-out rows; 20 tuned networks retrained on the training rows \
            plus the pseudo-labelled rows give the prediction (minutes per seed; --epochs-scale \
            0.1 for a quick run). --external-mode sets how compound vectors enter either predictor \
            (trainable, fixed, concat). --anchor mean (the default) makes the per-cell-type \
            training mean the null model of either predictor: it learns residuals from that mean, and \
            the residual prediction is multiplied by a factor in [0, 1] chosen by --anchor-folds-fold \
            cross-validation over the training compounds (never the held-out ones), so features that \
            do not generalize fall back to the mean; --anchor none regresses the targets directly. \
            Feature sets (--features, comma-separated): `none` (descriptor-free: a learned \
            per-compound embedding only, untrained for held-out compounds), `morgan` (Morgan bits, \
            --morgan-radius/--morgan-bits; the reference used radius 1, 2000 bits) and NAME=FILE \
            (compound vectors: .h5ad with X = compounds × dims and obs index = compound key, or a \
            TSV/CSV whose first column is a key, SMILES or name, or an LPM run folder / checkpoint). \
            Trivial baselines are scored beside them (--no-baselines to skip): baseline_mean (the \
            per-cell-type training mean), baseline_zero and baseline_knn (the mean of the 20 training \
            compounds most similar by Tanimoto on Morgan bits, in the same cell type); every feature \
            set gets Δ vs none and Δ vs baseline_mean. `simulate` writes compound_latents.tsv, the \
            true compound latents: `--features oracle=sim/compound_latents.tsv` is the upper bound. \
            Writes split.tsv, op3_rows.tsv, op3_seeds.tsv, op3_summary.tsv, op3_summary.md, \
            op3_<metric>.svg, op3_deltas.svg (Δ vs none, compound-clustered bootstrap CIs), \
            op3_predicted_observed_<features>.svg (first seed), REPORT.html (the summary with every \
            figure inline, one self-contained page) and predictions/ (truth.h5ad and one prediction \
            per feature set and seed, for `score`).

            Example (simulated OP3-like PBMC data, 2 seeds):
              perturbridge simulate --output sim --seed 13
              perturbridge evaluate op3 --effects sim/sim_op3.h5ad --layer logFC --features morgan,none \\
                --seeds 0,1 --epochs 60 --output runs/op3-sim
              perturbridge evaluate op3 --effects sim/sim_op3.h5ad --layer logFC --features morgan,none \\
                --predictor reference --epochs-scale 0.2 --seeds 0 --output runs/op3-sim-reference
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Effects files (.h5ad), concatenated.")
    var effects: [String]

    @Option(
        name: .long,
        help:
            "Target layer: clipped_sign_log10_pval (derived from logFC and pvalue when absent), logFC, or another layer."
    )
    var layer = TargetLayer.defaultName

    @Option(
        name: .long, help: "Keep only rows at this dose in µM (for data with several doses per compound, e.g. L1000).")
    var dose: Double?

    @Option(name: .long, help: "Compound feature sets: none, morgan, NAME=FILE, NAME=morgan (comma-separated).")
    var features = CommaList(["morgan", "none"])

    @Option(name: .long, help: "Predictor seeds (comma-separated).")
    var seeds = CommaList<UInt64>([0, 1, 2, 3, 4, 10, 11, 12, 13, 14])

    @Option(name: .customLong("split-seed"), help: "Seed of the compound draw (NumPy legacy seed, below 2^32).")
    var splitSeed: UInt32 = 42

    @Flag(
        inversion: .prefixedNo,
        help:
            "Score the trivial baselines (baseline_mean: per-cell-type training mean, baseline_zero, baseline_knn: 20 Tanimoto nearest training compounds) beside the feature sets."
    )
    var baselines = true

    @Option(name: .customLong("test-fraction"), help: "Fraction of compounds held out.")
    var testFraction = 0.25

    @Option(name: .customLong("morgan-radius"), help: "Morgan radius for `morgan` features.")
    var morganRadius = 1

    @Option(name: .customLong("morgan-bits"), help: "Morgan fingerprint size for `morgan` features.")
    var morganBits = 2000

    @Option(
        name: .long,
        help: """
            Downstream predictor: fast (one SVD-MLP architecture) or reference (the OP3 method \
            nn_retraining_with_pseudolabels, two stages).
            """)
    var predictor = OP3PredictorKind.fast

    @Option(
        name: .long,
        help: """
            mean (the default): the predictor learns residuals from the per-cell-type training mean and its residual \
            prediction is shrunk toward that mean by a factor chosen by cross-validation over the training compounds \
            (--anchor-folds folds; folds + 1 fits per seed); none: it regresses the targets directly (the reference).
            """)
    var anchor = OP3Anchor.mean

    @Option(name: .customLong("anchor-folds"), help: "Folds of the mean anchor's cross-validation (at least 2).")
    var anchorFolds = 3

    @Option(
        name: .customLong("epochs-scale"),
        help: "Reference predictor: factor on every network's tuned epochs (at least 1 epoch each).")
    var epochsScale = 1.0

    @Option(name: .long, help: "Reference predictor: trainings per network, combined by their median.")
    var repetitions = 2

    @Option(name: .long, help: "Fast predictor: truncated-SVD components of the targets.")
    var components = 50

    @Option(name: .customLong("embedding-dim"), help: "Fast predictor: cell-type / compound embedding width.")
    var embeddingDim = 22

    @Option(name: .long, help: "Fast predictor: hidden layer widths (comma-separated).")
    var hidden = CommaList([256, 1024])

    @Option(name: .long, help: "Fast predictor: dropout after each hidden layer.")
    var dropout: Float = 0.2

    @Option(name: .long, help: "Fast predictor: training epochs per network.")
    var epochs = 100

    @Option(name: .customLong("batch-size"), help: "Fast predictor: mini-batch size.")
    var batchSize = 128

    @Option(name: .customLong("learning-rate"), help: "Fast predictor: Adam learning rate.")
    var learningRate: Float = 1e-3

    @Option(name: .long, help: "Fast predictor: networks per ensemble (averaged).")
    var ensemble = 2

    @Option(
        name: .customLong("external-mode"),
        help: """
            External vectors: trainable (table fine-tuned), fixed (frozen) or concat (learned compound embedding ⊕ \
            vector, projected).
            """)
    var externalMode = ExternalEmbeddingMode.trainable

    @Option(name: .long, help: "Bootstrap draws for the clustered CIs.")
    var bootstrap = 2000

    @Option(name: .long, help: "Output folder.")
    var output: String

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard !effects.isEmpty else { throw ValidationError("give at least one --effects file") }
        guard testFraction > 0, testFraction < 1 else {
            throw ValidationError("--test-fraction must be in (0, 1), got \(testFraction)")
        }
        guard components >= 1, embeddingDim >= 1, epochs >= 1, batchSize >= 1, ensemble >= 1 else {
            throw ValidationError("--components, --embedding-dim, --epochs, --batch-size and --ensemble must be ≥ 1")
        }
        guard anchorFolds >= 2 else { throw ValidationError("--anchor-folds must be ≥ 2, got \(anchorFolds)") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be ≥ 1, got \(repetitions)") }
        guard epochsScale > 0, epochsScale.isFinite else {
            throw ValidationError("--epochs-scale must be a positive number, got \(epochsScale)")
        }
        guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        guard morganRadius >= 0, morganBits >= 1 else {
            throw ValidationError("--morgan-radius must be ≥ 0 and --morgan-bits ≥ 1")
        }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be ≥ 0") }
        guard hidden.items.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--hidden widths must be positive, got \(hidden.defaultValueDescription)")
        }
        if let dose {
            guard dose > 0, dose.isFinite else {
                throw ValidationError("--dose must be a positive number of µM, got \(dose)")
            }
        }
    }

    func run() throws {
        Engine.setThreads(runOptions.resolvedThreads)
        var options = OP3ProtocolOptions()
        options.layer = layer
        options.dose = dose
        options.testFraction = testFraction
        options.splitSeed = UInt64(splitSeed)
        options.seeds = seeds.items
        options.features = try CompoundFeatureSource.parseList(
            features.items, morgan: MorganOptions(radius: morganRadius, bits: morganBits))
        options.predictor.components = components
        options.predictor.embeddingDim = embeddingDim
        options.predictor.hidden = hidden.items
        options.predictor.dropout = dropout
        options.predictor.epochs = epochs
        options.predictor.batchSize = batchSize
        options.predictor.learningRate = learningRate
        options.predictor.ensemble = ensemble
        options.predictor.externalMode = externalMode
        options.predictorKind = predictor
        options.anchor = anchor
        options.anchorFolds = anchorFolds
        options.reference.repetitions = repetitions
        options.reference.epochsScale = epochsScale
        options.reference.externalMode = externalMode
        options.bootstrap = BootstrapOptions(draws: bootstrap)
        options.progress = runOptions.progress
        options.predictionsFolder = URL(fileURLWithPath: output).appendingPathComponent("predictions")
        options.baselines = baselines
        let start = Date()
        let table = try EffectsLoading.read(effects.map { URL(fileURLWithPath: $0) })
        let result = try OP3Protocol.run(effects: table, file: effects.joined(separator: ", "), options: options)
        let summary = OP3Summary(result, bootstrap: options.bootstrap)
        try OP3Report.write(result, summary: summary, options: options, to: URL(fileURLWithPath: output))
        try HTMLReport.write(
            folder: URL(fileURLWithPath: output), markdownFile: "op3_summary.md",
            title: "OP3 compound-held-out evaluation", commands: [Invocation.commandLine])
        print(summary.markdown(), terminator: "")
        if runOptions.progress {
            ProgressReporter.log(
                "evaluate op3: done in " + String(format: "%.1f", Date().timeIntervalSince(start))
                    + " s; files in \(output)")
        }
    }
}

/// `perturbridge evaluate holdout`.
struct EvaluateHoldout: ParsableCommand, RunsOverRanks {
    static let configuration = CommandConfiguration(
        commandName: "holdout",
        abstract:
            "Molecule holdout across datasets: LPM families (all datasets, fine-tune, scratch; learned or Morgan compounds) per target dataset and seed.",
        discussion: """
            Splits molecules per target dataset (cross-dataset: 10 % of a dataset's molecules shared \
            with another dataset to val and 10 % to test, kept in the other datasets' training; \
            global: molecules held out everywhere, the choice for a single dataset; auto picks by the \
            number of datasets), then for each seed trains the all-datasets LPMs the chosen families \
            need and, per target dataset, the target-only families. Families: all_datasets, \
            finetune_frozen_molecule_embeddings, scratch_target_only, morgan_fixed, \
            finetune_morgan_fixed, scratch_target_only_morgan_fixed, morgan_learned, \
            finetune_morgan_learned (fine-tunes start from the all-datasets checkpoint of the same \
            encoder with the lowest validation RMSE on the target, compound table frozen). Numbers are \
            pooled RMSE/MAE/R²/Pearson of logFC on the target's val and test rows with the checkpoint \
            chosen by validation RMSE (per-dataset for all-datasets runs). \
            Paired statistics (the paper's): per test unit (molecule, context, log dose, time) the \
            seed-mean RMSE; per dataset Δ = RMSE(--baseline-family) − RMSE(family) for each transfer \
            family, its nested mean over (context, time) strata with a molecule-clustered BCa CI \
            (--bootstrap-draws, --bootstrap-seed), nested and compound win rates, and a Welch t-test \
            of the per-seed test RMSEs (Holm over datasets); across datasets a Wilcoxon signed-rank \
            test of the seed-mean Δ. \
            Writes split.tsv, runs/, holdout_long.{tsv,md}, holdout_summary.{tsv,md}, \
            holdout_runs.tsv, finetune_init.tsv, holdout_<split>_<metric>.svg, \
            holdout_predicted_observed_<dataset>.svg (first family, first seed), holdout_units.tsv, \
            holdout_paired_deltas.tsv, holdout_wilcoxon.tsv, holdout_delta_forest.svg, \
            holdout_paper10.{tsv,md} (the layout of the paper's paper10_results_summary; with \
            --compare-paper also holdout_vs_paper.md) and REPORT.html (the summary with every figure \
            inline) into --output; every run folder under runs/ gets curves.svg. --split-file evaluates on a split \
            made with `perturbridge split` (e.g. --kind published) instead of drawing one. \
            The trivial baselines (baseline_mean, baseline_zero, baseline_knn, from each target's own training \
            conditions) are scored beside the families, with paired Δ vs baseline_mean in \
            holdout_paired_deltas_vs_mean.tsv (--no-baselines skips them). \
            Interrupted runs resume from their last checkpoints when the command is repeated. \
            Under `mpirun -np N` the independent runs (all-datasets runs, evaluations, target-only \
            runs) are dealt round-robin over the ranks like the reference's job array, and rank 0 \
            writes the same tables as one process; --output must be on a file system every rank \
            shares.

            Example (simulated datasets, 2 families, 2 seeds, 5 epochs):
              perturbridge simulate --output sim --size small --seed 1
              perturbridge evaluate holdout --effects sim/sim_*.h5ad \\
                --config experiments/pretrain/lpm-multiout.json --families scratch_target_only,morgan_fixed \\
                --seeds 13,17 --epochs 5 --output runs/holdout-sim
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Effects files (.h5ad), one or more datasets.")
    var effects: [String]

    @Option(name: .long, help: "LPM config: .json, .yaml/.yml or .toml (model and training settings).")
    var config = "experiments/pretrain/lpm-multiout.json"

    @Option(name: .long, help: "Families (comma-separated, or all).")
    var families = CommaList(["all"])

    @Option(name: .long, help: "Seeds (comma-separated).")
    var seeds = CommaList<UInt64>([13, 17, 19, 23, 29, 31, 37, 41, 43, 47])

    @Option(name: .long, help: "Target datasets (comma-separated; default: every dataset).")
    var datasets: CommaList<String>?

    @Option(name: .long, help: "Epochs per run (overrides the config's max_epochs).")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Batch size (overrides the config).")
    var batchSize: Int?

    @Option(name: .long, help: "Split: auto, cross-dataset or global.")
    var split = HoldoutSplitStrategy.auto

    @Option(name: .customLong("split-seed"), help: "Seed of the molecule split.")
    var splitSeed: UInt64 = 13

    @Option(
        name: .customLong("split-file"),
        help: "A split made with `perturbridge split` (e.g. --kind published) instead of drawing one.")
    var splitFile: String?

    @Option(
        name: .customLong("compare-paper"),
        help: "The paper's paper10_results_summary.tsv: also write holdout_vs_paper.md (test RMSE beside it).")
    var comparePaper: String?

    @Option(name: .customLong("val-fraction"), help: "Fraction of (shared) molecules held out for validation.")
    var valFraction = 0.1

    @Option(name: .customLong("test-fraction"), help: "Fraction of (shared) molecules held out for test.")
    var testFraction = 0.1

    @Flag(name: .customLong("keep-checkpoints"), help: "Keep every per-epoch checkpoint of the all-datasets runs.")
    var keepCheckpoints = false

    @Flag(
        inversion: .prefixedNo,
        help:
            "Score the trivial baselines (baseline_mean: per-context mean of the target's training conditions, baseline_zero, baseline_knn: 20 Tanimoto nearest training compounds) beside the families, with paired Δ vs baseline_mean."
    )
    var baselines = true

    @Option(
        name: .customLong("baseline-family"),
        help:
            "Baseline of the paired statistics (default: scratch_target_only when selected, else the first scratch family)."
    )
    var baselineFamily: HoldoutFamily?

    @Option(name: .customLong("bootstrap-draws"), help: "Bootstrap draws of the paired Δ CIs.")
    var bootstrapDraws = 2000

    @Option(name: .customLong("bootstrap-seed"), help: "Seed of the paired Δ bootstrap.")
    var bootstrapSeed: UInt64 = 20_260_505

    @Option(name: .long, help: "Output folder.")
    var output: String

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard !effects.isEmpty else { throw ValidationError("give at least one --effects file") }
        if let epochs { guard epochs >= 1 else { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") } }
        if let batchSize {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
        }
        guard valFraction >= 0, testFraction > 0, valFraction + testFraction < 1 else {
            throw ValidationError("--val-fraction must be ≥ 0, --test-fraction > 0, and their sum < 1")
        }
        guard bootstrapDraws >= 0 else { throw ValidationError("--bootstrap-draws must be ≥ 0, got \(bootstrapDraws)") }
    }

    func run() throws {
        var base = try LPMConfig.read(URL(fileURLWithPath: config))
        if runOptions.threads > 0 { base.threads = runOptions.threads }
        if let batchSize { base.batchSize = batchSize }
        var options = HoldoutOptions(baseConfig: base)
        options.families = try HoldoutFamily.parseList(families.items)
        options.seeds = seeds.items
        options.targets = datasets?.items
        options.epochs = epochs
        options.strategy = split
        options.splitFile = try splitFile.map { try SplitAssignment.read(URL(fileURLWithPath: $0)) }
        options.splitSeed = splitSeed
        options.valFraction = valFraction
        options.testFraction = testFraction
        options.keepCheckpoints = keepCheckpoints
        options.baselines = baselines
        options.progress = runOptions.progress
        options.communicator = try Communicator.world
        let paired = try HoldoutComparison.families(selected: options.families, baseline: baselineFamily)
        let start = Date()
        let table = try EffectsLoading.read(effects.map { URL(fileURLWithPath: $0) })
        let folder = URL(fileURLWithPath: output)
        let result = try HoldoutProtocol.run(effects: table, options: options, output: folder)
        guard options.communicator.rank == 0 else { return }  // every rank holds the results; rank 0 writes them
        let summary = HoldoutSummary(
            result.measurements, families: result.families.map(\.rawValue) + result.baselines, datasets: result.targets)
        let units = HoldoutUnitScore.seedMeans(result.testErrors)
        let comparison = paired.map {
            HoldoutComparison(
                units: units, measurements: result.measurements, baseline: $0.baseline.rawValue,
                families: $0.compared.map(\.rawValue), datasets: result.targets,
                bootstrap: BootstrapOptions(draws: bootstrapDraws, seed: bootstrapSeed))
        }
        let meanComparison =
            result.baselines.contains(TrivialBaseline.contextMean.rawValue)
            ? HoldoutComparison(
                units: units, measurements: result.measurements, baseline: TrivialBaseline.contextMean.rawValue,
                families: result.families.map(\.rawValue), datasets: result.targets,
                bootstrap: BootstrapOptions(draws: bootstrapDraws, seed: bootstrapSeed)) : nil
        let settings = [
            "effects: \(effects.joined(separator: ", "))",
            "config: \(config) (epochs \(epochs.map(String.init) ?? "from config"))",
            "families: \(options.families.map(\.rawValue).joined(separator: ", "))",
        ]
        try HoldoutReport.write(
            result, summary: summary, units: units, comparison: comparison, settings: settings,
            meanComparison: meanComparison, publishedTable: comparePaper.map { URL(fileURLWithPath: $0) }, to: folder)
        try HTMLReport.write(
            folder: folder, markdownFile: "holdout_summary.md",
            title: "Molecule holdout across datasets", commands: [Invocation.commandLine])
        print(
            "test RMSE (mean ± sd over seeds):\n\n" + summary.markdown(split: SplitAssignment.test, metric: "rmse"),
            terminator: "")
        if runOptions.progress {
            ProgressReporter.log(
                "evaluate holdout: done in " + String(format: "%.1f", Date().timeIntervalSince(start))
                    + " s; files in \(output)")
        }
    }
}

extension ExternalEmbeddingMode: ExpressibleByArgument {}
extension OP3PredictorKind: ExpressibleByArgument {}
extension OP3Anchor: ExpressibleByArgument {}
extension HoldoutSplitStrategy: ExpressibleByArgument {}
extension HoldoutFamily: ExpressibleByArgument {}
