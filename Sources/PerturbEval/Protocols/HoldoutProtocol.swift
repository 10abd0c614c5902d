import Foundation
import PerturbBase
import PerturbData
import PerturbDistributed
import PerturbModel
import PerturbNN

/// Settings of the molecule-holdout protocol.
public struct HoldoutOptions: Sendable {
    /// LPM settings shared by every run; the compound encoder, seed, mode and datasets are set per run.
    public var baseConfig: LPMConfig
    public var families: [HoldoutFamily] = HoldoutFamily.allCases
    public var seeds: [UInt64] = [13, 17, 19, 23, 29, 31, 37, 41, 43, 47]
    /// Target datasets (nil = every dataset).
    public var targets: [String]?
    /// Overrides `baseConfig.maxEpochs` when set.
    public var epochs: Int?
    public var strategy = HoldoutSplitStrategy.auto
    public var splitSeed: UInt64 = 13
    public var valFraction = 0.1
    public var testFraction = 0.1
    public var lowSharedBelow = 20
    /// A split made in advance (`perturbridge split`, e.g. `--kind published`), used instead of drawing one;
    /// conditions it does not list are left out of the evaluation.
    public var splitFile: SplitAssignment?
    /// Score the trivial baselines (`TrivialBaseline`, from each target's own training rows) beside the families.
    public var baselines = true
    /// Keep every per-epoch checkpoint (otherwise only the selected ones are kept when the protocol ends).
    public var keepCheckpoints = false
    public var progress = true
    /// The ranks the independent runs are spread over (`mpirun -np N perturbridge evaluate holdout`): all-datasets
    /// runs, evaluations and target-only runs are dealt round-robin, every rank gets every result, and the tables
    /// are those of one process. The output folder must be on a file system all ranks share.
    public var communicator: Communicator = .single

    public init(baseConfig: LPMConfig) { self.baseConfig = baseConfig }
}

/// One number of the long table.
public struct HoldoutMeasurement: Codable, Sendable, Equatable {
    public var family: String
    public var seed: UInt64
    public var dataset: String
    public var split: String
    public var metric: String
    public var value: Double
}

/// The checkpoint a number was computed with.
public struct HoldoutRunRecord: Codable, Sendable {
    public var family: String
    public var seed: UInt64
    public var dataset: String
    public var checkpoint: URL
    public var epoch: Int
    /// Why this checkpoint: per-dataset or global validation RMSE, or the last epoch without validation rows.
    public var selection: String
}

/// The single all-datasets checkpoint that initializes every fine-tune seed of a dataset (seed spec §3.5).
public struct FinetuneInit: Sendable {
    public var encoder: CompoundEncoderKind
    public var dataset: String
    public var sourceSeed: UInt64
    public var epoch: Int
    public var validationRMSE: Double?
    public var selection: String
    public var checkpoint: URL
}

public struct HoldoutResult: Sendable {
    public var split: SplitAssignment
    public var targets: [String]
    public var families: [HoldoutFamily]
    public var seeds: [UInt64]
    public var measurements: [HoldoutMeasurement]
    /// Per test condition, family and seed: the squared errors behind the pooled test numbers (for the unit-level
    /// statistics of `HoldoutComparison`).
    public var testErrors: [HoldoutConditionError]
    public var runs: [HoldoutRunRecord]
    public var finetuneInits: [FinetuneInit]
    /// The trivial baselines scored beside the families (`TrivialBaseline` raw values; empty when turned off).
    public var baselines: [String]
    /// Per target dataset, predicted against observed test values of the first family's first seed (rank 0 only
    /// under mpirun: the rank that writes the report).
    public var predictedObserved: [HoldoutPredictedObserved] = []
}

/// Predicted against observed test values of one family, seed and target dataset.
public struct HoldoutPredictedObserved: Sendable {
    public var family: String
    public var seed: UInt64
    public var dataset: String
    public var sample: PredictedObservedSample
}

/// The molecule holdout across datasets (seed spec §3.4–3.6, §4.1): one split of molecules per target dataset;
/// for every seed, the all-datasets models of each needed encoder kind are trained first (checkpoint every epoch),
/// then, per target dataset, the target-only families (scratch, and fine-tune from the one all-datasets checkpoint
/// with the lowest validation RMSE on that dataset over all seeds and epochs). Each family's number for a dataset
/// and seed is the pooled RMSE (and MAE, R², Pearson) of logFC over the dataset's measured val/test values, computed
/// with the checkpoint chosen by validation RMSE: the epoch minimizing the dataset's own validation RMSE for
/// all-datasets runs, the best global validation epoch for target-only runs.
public enum HoldoutProtocol {
    public static let metrics = ["rmse", "mae", "r2", "pearson"]

    public static func run(
        effects allConditions: EffectsTable, options: HoldoutOptions, output: URL
    ) throws -> HoldoutResult {
        let communicator = options.communicator
        var table = allConditions
        if let given = options.splitFile {
            let listed = given.splitOf
            let kept = table.conditions.indices.filter { listed[table.conditions[$0].id] != nil }
            guard !kept.isEmpty else {
                throw InputError(
                    "--split-file lists none of the \(table.rowCount) conditions of the effects files (its condition ids must be those of these files; make it with `perturbridge split --effects ...`)"
                )
            }
            if kept.count < table.rowCount {
                logOnce(options, "\(table.rowCount - kept.count) conditions are not in --split-file and are left out")
                table = table.selecting(rows: kept)
            }
        }
        let datasets = table.datasets
        let targets = options.targets ?? datasets
        for d in targets where !datasets.contains(d) {
            throw InputError(
                "--datasets: '\(d)' is not in the effects files (datasets: \(datasets.joined(separator: ", ")))")
        }
        let split = try makeSplit(table, options: options)
        try communicator.requireAgreement(try agreementItems(options, table: table, split: split), about: "the holdout")
        try communicator.requireSharedFolder(output, for: "a holdout over \(communicator.size) ranks")
        if communicator.rank == 0 {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            try split.write(to: output.appendingPathComponent("split.tsv"))
        }
        func rows(_ name: String, _ dataset: String? = nil) -> [Int] {
            split.entries.indices.filter {
                split.entries[$0].split == name && (dataset == nil || table.conditions[$0].dataset == dataset)
            }
        }
        func evaluationRows(_ d: String) -> EvaluationRows {
            EvaluationRows(val: rows(SplitAssignment.val, d), test: rows(SplitAssignment.test, d))
        }
        let trainRows = rows(SplitAssignment.train), valRows = rows(SplitAssignment.val)
        let counts = targets.map { d in
            "\(d) \(rows(SplitAssignment.train, d).count)/\(rows(SplitAssignment.val, d).count)/\(rows(SplitAssignment.test, d).count)"
        }
        logOnce(
            options,
            "split \(split.kind) seed \(split.seed); train/val/test conditions: \(counts.joined(separator: ", "))")
        if communicator.size > 1 {
            logOnce(options, "runs spread over \(communicator.size) ranks (job i on rank i mod \(communicator.size))")
        }
        let runsFolder = output.appendingPathComponent("runs")
        let trainerProgress = options.progress && communicator.rank == 0

        // The independent jobs, in the order a single process runs them.
        let kinds = uniqueKinds(options.families.filter { $0.training != .scratchTarget })
        let sourceJobs = kinds.flatMap { kind in options.seeds.map { (kind: kind, seed: $0) } }
        let targetOnly = options.families.filter { $0.training != .allDatasets }
        var evaluationJobs: [EvaluationJob] = [], targetJobs: [TargetJob] = []
        for d in targets {
            for family in options.families where family.training == .allDatasets {
                evaluationJobs += options.seeds.map { .checkpoint(dataset: d, family: family, seed: $0) }
            }
            if options.baselines { evaluationJobs += TrivialBaseline.allCases.map { .baseline(dataset: d, $0) } }
            guard !targetOnly.isEmpty else { continue }
            if rows(SplitAssignment.train, d).isEmpty {
                logOnce(
                    options,
                    "\(d): no training conditions after the split (every molecule is held out); "
                        + "skipped \(targetOnly.map(\.rawValue).joined(separator: ", ")) (NA in the tables)")
                continue
            }
            for family in targetOnly {
                targetJobs += options.seeds.map { TargetJob(dataset: d, family: family, seed: $0) }
            }
        }
        let totalRuns = sourceJobs.count + targetJobs.count

        // 1. All-datasets runs of every encoder kind a selected family needs.
        let trained = try communicator.fanOut("holdout all-datasets runs", count: sourceJobs.count) { k in
            let (kind, seed) = sourceJobs[k]
            log(options, "[\(k + 1)/\(totalRuns)] all datasets, encoder \(kind.rawValue), seed \(seed)")
            var config = runConfig(options, encoder: kind, seed: seed)
            config.mode = .all
            config.datasets = []
            config.checkpointEvery = 1
            let run = try Trainer.fit(
                config: config, data: table, trainRows: trainRows, validationRows: valRows,
                runDirectory: runsFolder.appendingPathComponent("all_datasets-\(kind.rawValue)/seed-\(seed)"),
                resume: true, progress: trainerProgress)
            try TrainingCurves.write(
                run, title: "Training curves: all datasets, encoder \(kind.rawValue), seed \(seed)")
            return run
        }
        var sourceRuns: [CompoundEncoderKind: [UInt64: TrainingRun]] = [:]
        for (job, run) in zip(sourceJobs, trained) { sourceRuns[job.kind, default: [:]][job.seed] = run }

        // 2. Per target dataset: the all-datasets families' numbers and the baselines, the fine-tune inits, then the
        // target-only families.
        let evaluated = try communicator.fanOut("holdout evaluations", count: evaluationJobs.count) { k in
            switch evaluationJobs[k] {
            case let .checkpoint(d, family, seed):
                let run = sourceRuns[family.encoder]![seed]!
                let (epoch, _, selection) = bestEpoch(run.history, dataset: d)
                let checkpoint = RunFolder(run.runDirectory).epoch(epoch)
                let scores = try evaluate(
                    checkpoint: checkpoint, table: table, rows: evaluationRows(d), family: family, seed: seed,
                    dataset: d)
                return JobScores(
                    scores,
                    run: HoldoutRunRecord(
                        family: family.rawValue, seed: seed, dataset: d, checkpoint: checkpoint,
                        epoch: epoch, selection: selection))
            case let .baseline(d, baseline):
                return JobScores(
                    try evaluate(
                        baseline: baseline, table: table, trainRows: trainRows, rows: evaluationRows(d),
                        seeds: options.seeds, dataset: d), run: nil)
            }
        }
        var inits: [FinetuneInit] = [], initFor: [String: [CompoundEncoderKind: FinetuneInit]] = [:]
        for d in targets {
            for kind in uniqueKinds(options.families.filter { $0.training == .finetuneTarget }) {
                let choice = try selectFinetuneInit(sourceRuns[kind]!, seeds: options.seeds, dataset: d, encoder: kind)
                initFor[d, default: [:]][kind] = choice
                inits.append(choice)
                logOnce(
                    options,
                    "fine-tune init for \(d), encoder \(kind.rawValue): seed \(choice.sourceSeed) epoch \(choice.epoch) (\(choice.selection))"
                )
            }
        }
        let targetScores = try communicator.fanOut("holdout target-only runs", count: targetJobs.count) { k in
            let job = targetJobs[k], d = job.dataset, family = job.family, seed = job.seed
            log(options, "[\(sourceJobs.count + k + 1)/\(totalRuns)] \(family.rawValue), target \(d), seed \(seed)")
            var config = runConfig(options, encoder: family.encoder, seed: seed)
            config.datasets = [d]
            config.checkpointEvery = 0
            let folder = runsFolder.appendingPathComponent("\(family.rawValue)/\(safeName(d))/seed-\(seed)")
            let run: TrainingRun
            if family.training == .finetuneTarget {
                run = try Trainer.fit(
                    config: config, data: table, trainRows: trainRows, validationRows: valRows,
                    runDirectory: folder, initFrom: initFor[d]![family.encoder]!.checkpoint,
                    freezeCompoundEmbeddings: true, resume: true, progress: trainerProgress)
            } else {
                config.mode = .scratch
                run = try Trainer.fit(
                    config: config, data: table, trainRows: trainRows, validationRows: valRows,
                    runDirectory: folder, resume: true, progress: trainerProgress)
            }
            try TrainingCurves.write(run, title: "Training curves: \(family.rawValue), target \(d), seed \(seed)")
            let checkpoint = RunFolder(folder).best
            let scores = try evaluate(
                checkpoint: checkpoint, table: table, rows: evaluationRows(d), family: family, seed: seed, dataset: d)
            return JobScores(
                scores,
                run: HoldoutRunRecord(
                    family: family.rawValue, seed: seed, dataset: d, checkpoint: checkpoint, epoch: run.bestEpoch,
                    selection: run.bestValidationRMSE == nil
                        ? "last epoch (no validation rows)" : "global validation RMSE"))
        }

        // The numbers in the order of a single process: per target, evaluations and baselines, then target-only runs.
        var measurements: [HoldoutMeasurement] = [], testErrors: [HoldoutConditionError] = [],
            runs: [HoldoutRunRecord] = []
        for d in targets {
            let scored =
                zip(evaluationJobs, evaluated).filter { $0.0.dataset == d }.map(\.1)
                + zip(targetJobs, targetScores).filter { $0.0.dataset == d }.map(\.1)
            for job in scored {
                measurements += job.measurements
                testErrors += job.testErrors
                if let run = job.run { runs.append(run) }
            }
        }
        let samples =
            communicator.rank != 0
            ? []
            : try targets.compactMap { d in
                try predictedObserved(
                    runs: runs, family: options.families.first?.rawValue, seed: options.seeds.first,
                    dataset: d, table: table, testRows: rows(SplitAssignment.test, d))
            }
        if !options.keepCheckpoints && communicator.rank == 0 {
            try pruneEpochCheckpoints(sourceRuns, keep: Set(runs.map(\.checkpoint.path) + inits.map(\.checkpoint.path)))
        }
        return HoldoutResult(
            split: split, targets: targets, families: options.families, seeds: options.seeds,
            measurements: measurements, testErrors: testErrors, runs: runs, finetuneInits: inits,
            baselines: options.baselines ? TrivialBaseline.allCases.map(\.rawValue) : [],
            predictedObserved: samples)
    }

    /// A scoring job of step 2: an all-datasets checkpoint on a target, or a trivial baseline on it.
    enum EvaluationJob {
        case checkpoint(dataset: String, family: HoldoutFamily, seed: UInt64)
        case baseline(dataset: String, TrivialBaseline)

        var dataset: String {
            switch self {
            case let .checkpoint(d, _, _), let .baseline(d, _): return d
            }
        }
    }

    /// A target-only training run (scratch or fine-tune) of step 2.
    struct TargetJob {
        var dataset: String
        var family: HoldoutFamily
        var seed: UInt64
    }

    /// What one job contributes to the tables.
    struct JobScores: Codable {
        var measurements: [HoldoutMeasurement]
        var testErrors: [HoldoutConditionError]
        var run: HoldoutRunRecord?

        init(
            _ scores: (measurements: [HoldoutMeasurement], testErrors: [HoldoutConditionError]), run: HoldoutRunRecord?
        ) {
            measurements = scores.measurements
            testErrors = scores.testErrors
            self.run = run
        }
    }

    /// What every rank must share with rank 0 before a fan-out: the protocol's settings, the base config, the data
    /// and the split.
    static func agreementItems(
        _ options: HoldoutOptions, table: EffectsTable, split: SplitAssignment
    ) throws -> [(key: String, value: String)] {
        var splitHash: UInt64 = 0xcbf2_9ce4_8422_2325
        for entry in split.entries {
            for b in "\(entry.conditionId)\t\(entry.split)\n".utf8 {
                splitHash = (splitHash ^ UInt64(b)) &* 0x100_0000_01b3
            }
        }
        return [
            ("families", options.families.map(\.rawValue).joined(separator: ",")),
            ("seeds", options.seeds.map(String.init).joined(separator: ",")),
            ("targets", options.targets?.joined(separator: ",") ?? "all"),
            ("epochs", options.epochs.map(String.init) ?? "config"),
            ("baselines", "\(options.baselines)"),
            ("keep checkpoints", "\(options.keepCheckpoints)"),
            ("config", String(decoding: try options.baseConfig.jsonData(), as: UTF8.self)),
            ("effects", DataFingerprint.of([TableSource(table)])),
            (
                "split",
                "\(split.kind) seed \(split.seed), \(split.entries.count) conditions, hash \(String(splitHash, radix: 16))"
            ),
        ]
    }

    struct EvaluationRows { var val: [Int]; var test: [Int] }

    static func makeSplit(_ table: EffectsTable, options: HoldoutOptions) throws -> SplitAssignment {
        if let given = options.splitFile {
            let splitOf = given.splitOf
            var split = given
            split.entries = table.conditions.map { c in
                SplitAssignment.Entry(
                    conditionId: c.id, dataset: c.dataset, context: c.context, compounds: c.compounds,
                    split: splitOf[c.id]!)
            }
            guard split.entries.contains(where: { $0.split == SplitAssignment.test }) else {
                throw InputError("--split-file holds no test condition of these effects files")
            }
            return split
        }
        let strategy =
            options.strategy == .auto ? (table.datasets.count > 1 ? .crossDataset : .global) : options.strategy
        let split: SplitAssignment
        switch strategy {
        case .global, .auto:
            split = MoleculeHoldout.global(
                conditions: table.conditions, seed: options.splitSeed,
                valFraction: options.valFraction, testFraction: options.testFraction)
        case .crossDataset:
            split = MoleculeHoldout.crossDataset(
                conditions: table.conditions, seed: options.splitSeed, valFraction: options.valFraction,
                testFraction: options.testFraction, lowSharedBelow: options.lowSharedBelow)
        }
        guard split.entries.contains(where: { $0.split != SplitAssignment.train }) else {
            throw InputError(
                "the \(strategy.rawValue) split held out no molecule (\(table.datasets.count) datasets, \(table.usedCompoundKeys.count) compounds); with one dataset or few shared molecules use --split global or larger fractions"
            )
        }
        return split
    }

    static func runConfig(_ options: HoldoutOptions, encoder: CompoundEncoderKind, seed: UInt64) -> LPMConfig {
        var config = options.baseConfig
        config.compoundEncoder = encoder
        config.seed = seed
        config.initFrom = nil
        if let epochs = options.epochs { config.maxEpochs = epochs }
        return config
    }

    static func uniqueKinds(_ families: [HoldoutFamily]) -> [CompoundEncoderKind] {
        var out: [CompoundEncoderKind] = []
        for f in families where !out.contains(f.encoder) { out.append(f.encoder) }
        return out
    }

    /// The 1-based epoch minimizing the dataset's validation RMSE (the global validation RMSE when the dataset has
    /// none; the last epoch when there is no validation at all), with that RMSE and how it was chosen.
    static func bestEpoch(_ history: [EpochMetrics], dataset: String) -> (epoch: Int, rmse: Double?, selection: String)
    {
        let perDataset = history.compactMap { m in m.validation.perDatasetRMSE[dataset].map { (m.epoch, $0) } }
        if let best = perDataset.min(by: { $0.1 < $1.1 }) { return (best.0, best.1, "validation RMSE of \(dataset)") }
        let global = history.compactMap { m in m.validation.rmse.map { (m.epoch, $0) } }
        if let best = global.min(by: { $0.1 < $1.1 }) {
            return (best.0, best.1, "global validation RMSE (no \(dataset) validation rows)")
        }
        return (history.last?.epoch ?? 1, nil, "last epoch (no validation rows)")
    }

    /// The (seed, epoch) over all source runs with the lowest validation RMSE on `dataset`.
    static func selectFinetuneInit(
        _ runs: [UInt64: TrainingRun], seeds: [UInt64], dataset: String,
        encoder: CompoundEncoderKind
    ) throws -> FinetuneInit {
        var best: FinetuneInit?
        for seed in seeds {
            guard let run = runs[seed] else { continue }
            let (epoch, rmse, selection) = bestEpoch(run.history, dataset: dataset)
            let candidate = FinetuneInit(
                encoder: encoder, dataset: dataset, sourceSeed: seed, epoch: epoch, validationRMSE: rmse,
                selection: selection, checkpoint: RunFolder(run.runDirectory).epoch(epoch))
            if let b = best, !(rmse.map { r in b.validationRMSE.map { r < $0 } ?? true } ?? false) { continue }
            best = candidate
        }
        guard let choice = best else { throw InputError("no all-datasets run to fine-tune \(dataset) from") }
        guard FileManager.default.fileExists(atPath: choice.checkpoint.path) else {
            throw InputError(
                "\(choice.checkpoint.path): the selected epoch checkpoint is missing (runs need checkpoint_every 1)")
        }
        return choice
    }

    /// Pooled metrics of a checkpoint on the dataset's val and test rows (splits without rows are skipped), and the
    /// squared errors of each test row over its measured, finite values (the values the pooled numbers use).
    static func evaluate(
        checkpoint: URL, table: EffectsTable, rows: EvaluationRows, family: HoldoutFamily, seed: UInt64,
        dataset: String
    ) throws -> (measurements: [HoldoutMeasurement], testErrors: [HoldoutConditionError]) {
        let model = try LPMCheckpoint.load(checkpoint)
        return try score(table: table, rows: rows, family: family.rawValue, seed: seed, dataset: dataset) {
            try model.predict(table, rows: $0)
        }
    }

    /// The numbers of a trivial baseline on a target's val/test rows, predicted from the target's training rows; the
    /// same for every seed (repeated per seed so the tables and unit averages treat it like a family).
    static func evaluate(
        baseline: TrivialBaseline, table: EffectsTable, trainRows: [Int], rows: EvaluationRows, seeds: [UInt64],
        dataset: String
    ) throws -> (measurements: [HoldoutMeasurement], testErrors: [HoldoutConditionError]) {
        let ownTraining = trainRows.filter { table.conditions[$0].dataset == dataset }
        var measurements: [HoldoutMeasurement] = [], errors: [HoldoutConditionError] = []
        var predictions: [[Int]: [Float]] = [:]
        for seed in seeds {
            let scored = try score(table: table, rows: rows, family: baseline.rawValue, seed: seed, dataset: dataset) {
                selected in
                if let known = predictions[selected] { return known }
                let prediction = baseline.predict(table: table, trainRows: ownTraining, rows: selected)
                predictions[selected] = prediction
                return prediction
            }
            measurements += scored.measurements
            errors += scored.testErrors
        }
        return (measurements, errors)
    }

    /// Pooled metrics of `predict(rows)` on the val and test rows, and the per-condition squared errors on test.
    static func score(
        table: EffectsTable, rows: EvaluationRows, family: String, seed: UInt64, dataset: String,
        predict: ([Int]) throws -> [Float]
    ) throws -> (measurements: [HoldoutMeasurement], testErrors: [HoldoutConditionError]) {
        var out: [HoldoutMeasurement] = [], errors: [HoldoutConditionError] = []
        for (name, selected) in [(SplitAssignment.val, rows.val), (SplitAssignment.test, rows.test)]
        where !selected.isEmpty {
            let prediction = try predict(selected)
            let g = table.geneCount
            var truth = [Float](), mask = [Bool]()
            truth.reserveCapacity(selected.count * g); mask.reserveCapacity(selected.count * g)
            for r in selected { truth += table.row(r); mask += table.measuredRow(r) }
            let scores = PooledScores.evaluate(truth: truth, prediction: prediction, mask: mask)
            for (metric, value) in zip(metrics, [scores.rmse, scores.mae, scores.r2, scores.pearson]) {
                out.append(
                    HoldoutMeasurement(
                        family: family, seed: seed, dataset: dataset, split: name, metric: metric, value: value))
            }
            guard name == SplitAssignment.test else { continue }
            for (k, r) in selected.enumerated() {
                var sse = 0.0, count = 0
                for i in (k * g)..<((k + 1) * g) where mask[i] && truth[i].isFinite && prediction[i].isFinite {
                    let e = Double(truth[i]) - Double(prediction[i])
                    sse += e * e
                    count += 1
                }
                errors.append(
                    HoldoutConditionError(
                        family: family, seed: seed, dataset: dataset,
                        unit: HoldoutUnit(table.conditions[r]), squaredError: sse, count: count))
            }
        }
        return (out, errors)
    }

    /// Predicted against observed test values (measured ones) of the `family`/`seed` run on `dataset`; nil when that
    /// run or the test rows are missing.
    static func predictedObserved(
        runs: [HoldoutRunRecord], family: String?, seed: UInt64?, dataset: String,
        table: EffectsTable, testRows: [Int]
    ) throws -> HoldoutPredictedObserved? {
        guard !testRows.isEmpty,
            let run = runs.first(where: { $0.dataset == dataset && $0.family == family && $0.seed == seed })
        else {
            return nil
        }
        let model = try LPMCheckpoint.load(run.checkpoint)
        var truth = [Float](), mask = [Bool]()
        for r in testRows { truth += table.row(r); mask += table.measuredRow(r) }
        let prediction = try model.predict(table, rows: testRows)
        let sample = PredictedObservedSample(observed: truth, predicted: prediction, mask: mask)
        return HoldoutPredictedObserved(family: run.family, seed: run.seed, dataset: dataset, sample: sample)
    }

    /// Deletes the per-epoch checkpoints of the source runs that no number or fine-tune init uses.
    static func pruneEpochCheckpoints(_ runs: [CompoundEncoderKind: [UInt64: TrainingRun]], keep: Set<String>) throws {
        let fm = FileManager.default
        for run in runs.values.flatMap(\.values) {
            for m in run.history {
                let file = RunFolder(run.runDirectory).epoch(m.epoch)
                guard !keep.contains(file.path), fm.fileExists(atPath: file.path) else { continue }
                try Checkpoint.remove(file)
            }
        }
    }

    static func safeName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    /// A progress line of this rank (prefixed with the rank under mpirun).
    static func log(_ options: HoldoutOptions, _ message: String) {
        guard options.progress else { return }
        let communicator = options.communicator
        ProgressReporter.log(
            (communicator.size > 1 ? "holdout (rank \(communicator.rank)/\(communicator.size)): " : "holdout: ")
                + message)
    }

    /// A progress line about the whole protocol, from rank 0 only.
    static func logOnce(_ options: HoldoutOptions, _ message: String) {
        if options.progress && options.communicator.rank == 0 { ProgressReporter.log("holdout: " + message) }
    }
}
