import Foundation
import PerturbBase
import PerturbData

/// Settings of the OP3 compound-held-out protocol.
public struct OP3ProtocolOptions {
    /// Target layer (`clipped_sign_log10_pval` by default; `logFC` or any extra layer).
    public var layer = TargetLayer.defaultName
    /// Keep only rows at this dose (µM); nil keeps every dose (OP3 has one).
    public var dose: Double?
    /// Fraction of compounds held out (all their rows, every cell type) and the seed of the draw.
    public var testFraction = 0.25
    public var splitSeed: UInt64 = 42
    /// Predictor seeds; each trains its own ensemble for every feature set.
    public var seeds: [UInt64] = [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
    /// Compound representations compared (name, source); `none` is the baseline of the deltas when present.
    public var features: [(name: String, source: CompoundFeatureSource)] = [("none", .none)]
    /// The downstream predictor, the fast one's settings and the reference one's.
    public var predictorKind = OP3PredictorKind.fast
    public var predictor = OP3PredictorOptions()
    public var reference = OP3ReferenceOptions()
    /// Whether the predictor learns residuals from the per-context training mean with a cross-validated shrinkage
    /// (`OP3MeanAnchor`, the default) or the targets themselves, and the folds of that cross-validation.
    public var anchor = OP3Anchor.mean
    public var anchorFolds = 3
    public var bootstrap = BootstrapOptions()
    public var progress = true
    /// When set, the held-out truth (`truth.h5ad`, the target layer) and every prediction
    /// (`<feature>_seed<seed>.h5ad`, layer `prediction`) are written here, so `perturbridge score` can re-score them.
    public var predictionsFolder: URL?
    /// Score the trivial baselines (`TrivialBaseline`: per-context mean, zeros, Tanimoto nearest neighbours) beside the
    /// feature sets; they need no training and score the same for every seed.
    public var baselines = true

    public init() {}
}

/// One feature set's predictions for one seed, scored per held-out row.
public struct OP3SeedResult: Sendable {
    public var feature: String
    public var seed: UInt64
    public var scores: RowwiseScores
    /// The factor on the residual prediction that the mean anchor's cross-validation chose (nil without an anchor
    /// and for the trivial baselines).
    public var shrinkage: Float? = nil
}

/// Everything the OP3 protocol produced.
public struct OP3ProtocolResult: Sendable {
    public var task: OP3Task
    public var split: SplitAssignment
    public var trainRows: [Int]
    public var testRows: [Int]
    public var results: [OP3SeedResult]
    /// Feature names in the order given, with the number of task compounds each has a vector for.
    public var features: [(name: String, covered: Int?)]
    /// Per feature set (and trivial baseline), predicted against observed held-out values of its first seed.
    public var predictedObserved: [String: PredictedObservedSample] = [:]
}

/// The OP3 compound-held-out protocol (seed spec §4.3): the effects are concatenated, `testFraction` of the
/// compounds are drawn with `splitSeed` and every row of a drawn compound (all cell types) is held out; for each
/// compound representation and seed the downstream predictor is trained on the remaining rows and scored on the
/// held-out rows with the OP3 row-wise metrics.
public enum OP3Protocol {
    public static func run(
        effects table: EffectsTable, file: String, options: OP3ProtocolOptions
    ) throws -> OP3ProtocolResult {
        let task = try OP3Task.make(from: table, layer: options.layer, file: file, dose: options.dose)
        for note in task.notes where options.progress { ProgressReporter.log("op3: \(note)") }
        let split = OP3Split.compoundHeldOut(
            conditions: task.table.conditions, seed: options.splitSeed,
            testFraction: options.testFraction, evaluationContexts: task.cellTypes)
        let trainRows = split.entries.indices.filter { split.entries[$0].split == SplitAssignment.train }
        let testRows = split.entries.indices.filter { split.entries[$0].split == SplitAssignment.test }
        guard !trainRows.isEmpty, !testRows.isEmpty else {
            throw InputError(
                "\(file): the split left \(trainRows.count) training and \(testRows.count) held-out rows; with \(task.compounds.count) compounds use a test fraction that holds out at least one compound"
            )
        }
        if options.progress {
            ProgressReporter.log(
                "op3: \(task.rowCount) rows × \(task.genes.count) genes, \(task.compounds.count) compounds, \(task.cellTypes.count) cell types; held out \(split.molecules(in: SplitAssignment.test).count) compounds (\(testRows.count) rows)"
            )
        }
        let trainTargets = task.targets(trainRows), testTargets = task.targets(testRows)
        let problem = OP3PredictionProblem(
            train: task.examples(trainRows), targets: trainTargets,
            genes: task.genes.count, test: task.examples(testRows),
            cellTypeCount: task.cellTypes.count, compoundCount: task.compounds.count)
        var results: [OP3SeedResult] = []
        var covered: [(String, Int?)] = []
        var samples: [String: PredictedObservedSample] = [:]
        // Resolve every feature set first, so a bad file fails before any training.
        let matrices = try options.features.map {
            try $0.source.matrix(name: $0.name, compounds: task.compounds, table: task.table.compounds)
        }
        for ((name, _), features) in zip(options.features, matrices) {
            let n = features.map { $0.available.filter { $0 }.count }
            if let f = features, let n {
                guard n > 0 else {
                    throw InputError(
                        "feature set '\(name)': no vector matches any of the \(task.compounds.count) compounds (by key, canonical SMILES or name)"
                    )
                }
                if options.progress {
                    ProgressReporter.log(
                        "op3: features \(name): \(f.dim) dims, \(n)/\(task.compounds.count) compounds covered")
                }
            }
            covered.append((name, n))
        }
        let files = options.predictionsFolder.map {
            OP3PredictionFiles(folder: $0, task: task, testRows: testRows, layer: options.layer)
        }
        try files?.writeTruth(testTargets)
        for ((name, _), features) in zip(options.features, matrices) {
            for seed in options.seeds {
                let (prediction, shrinkage) = options.fitPredict(
                    problem, features: features, seed: seed,
                    progressLabel: options.progress ? "op3 \(name) seed \(seed)" : nil)
                let scores = try RowwiseScores.evaluate(
                    truth: testTargets, prediction: prediction, rows: testRows.count, genes: task.genes.count,
                    rowLabels: testRows.map { task.table.conditions[$0].id }, geneNames: task.genes)
                results.append(OP3SeedResult(feature: name, seed: seed, scores: scores, shrinkage: shrinkage))
                if samples[name] == nil {
                    samples[name] = PredictedObservedSample(observed: testTargets, predicted: prediction)
                }
                try files?.writePrediction(prediction, feature: name, seed: seed)
                if options.progress {
                    let line = [("MRRMSE", RowwiseMetric.rmse), ("MAE", .mae), ("Spearman", .spearman)]
                        .map { "\($0.0) " + String(format: "%.4f", scores.mean($0.1)) }.joined(separator: ", ")
                    let factor = shrinkage.map { ", shrinkage " + String(format: "%.3f", $0) } ?? ""
                    ProgressReporter.log("op3: \(name) seed \(seed): \(line)\(factor)")
                }
            }
        }
        if options.baselines {
            for baseline in TrivialBaseline.allCases {
                let prediction = baseline.predict(task: task, trainRows: trainRows, rows: testRows)
                let scores = try RowwiseScores.evaluate(
                    truth: testTargets, prediction: prediction, rows: testRows.count, genes: task.genes.count,
                    rowLabels: testRows.map { task.table.conditions[$0].id }, geneNames: task.genes)
                for seed in options.seeds {
                    results.append(OP3SeedResult(feature: baseline.rawValue, seed: seed, scores: scores))
                }
                samples[baseline.rawValue] = PredictedObservedSample(observed: testTargets, predicted: prediction)
                covered.append((baseline.rawValue, nil))
                if options.progress {
                    ProgressReporter.log(
                        "op3: \(baseline.rawValue): MRRMSE " + String(format: "%.4f", scores.mean(.rmse))
                            + ", Spearman "
                            + String(format: "%.4f", scores.mean(.spearman)))
                }
            }
        }
        return OP3ProtocolResult(
            task: task, split: split, trainRows: trainRows, testRows: testRows, results: results,
            features: covered, predictedObserved: samples)
    }
}
