import Foundation
import PerturbBase
import PerturbTensor

/// Settings of the reference predictor (`--predictor reference`).
public struct OP3ReferenceOptions: Codable, Sendable, Equatable {
    /// Trainings of each model, combined by their element-wise median (`reps`: 2 in OP3's `script.py`).
    public var repetitions = 2
    /// Factor on every model's epochs (rounded, at least 1 epoch): 1 trains as the reference; 0.1 for quick runs.
    /// The BatchNorm momentum follows it (`batchNormMomentum`).
    public var epochsScale = 1.0
    /// How compound vectors enter the networks (`embedding_layer`); unused for the descriptor-free `none`.
    public var externalMode = ExternalEmbeddingMode.trainable

    public init() {}

    /// Epochs of a model the reference trains for `epochs`.
    func scaled(_ epochs: Int) -> Int { max(1, Int((Double(epochs) * epochsScale).rounded())) }

    /// Keras' BatchNorm momentum 0.99 raised to the power 1 / `epochsScale`: with a tenth of the epochs (and steps)
    /// the running statistics move ten times as fast, so that they forget their initial mean 0 and variance 1 over
    /// the same share of the training as the reference's. Exactly Keras' 0.99 at scale 1.
    var batchNormMomentum: Float { Float(pow(0.99, 1 / epochsScale)) }
}

/// What the reference predictor produced for the held-out rows (`test.count × genes` each): the stage-1
/// pseudo-labels and the final, stage-2 prediction.
public struct OP3ReferencePrediction: Sendable {
    public var pseudoLabels: [Float]
    public var prediction: [Float]
}

/// The OP3 method `nn_retraining_with_pseudolabels` (Kaggle NeurIPS 2023, 3rd place; seed spec §4.3), ported from
/// openproblems-bio/task_perturbation_prediction `src/methods/nn_retraining_with_pseudolabels/` (`script.py`,
/// `notebook_264.py`, `notebook_266.py`; MIT) with the compound-representation inputs of theislab/op3_signatures'
/// `nn_retraining_with_pseudolabels_mol_emb_learning_missed` (`OP3ReferenceInputs`).
///
/// Stage 1 trains the 7 networks of `OP3ReferenceEnsemble.stage1` on the training rows, each `repetitions` times;
/// per network the element-wise median of the repetitions' SVD-inverse predictions; the weighted mean over networks
/// with the published weights, clipped per gene to the training range, is the pseudo-label of every held-out row.
/// Stage 2 does the same with the 20 networks of `stage2` on the training rows plus the pseudo-labelled held-out rows
/// (so a held-out compound's learned embedding is trained on its pseudo-labels) and clips to the training range of
/// the original rows. Targets of a stage are compressed by one truncated SVD fitted on that stage's targets; each
/// network regresses its leading `n_dim` coordinates (capped by the data's rank: at most the number of rows).
///
/// Where this port differs from the Keras code: one truncated SVD per stage, each network taking its leading
/// components, where scikit-learn refits a randomized SVD per network; Adam in PyTorch's form with Keras' epsilon
/// (`OP3ReferenceNetwork`); the BatchNorm momentum under an epochs scale other than 1; and the random streams are
/// ours, not TensorFlow's, so results agree in distribution, not in digits.
///
/// Deterministic for a seed, for any thread count: every network's initialization, shuffles and dropout masks come
/// from the seed, the stage, the network's index and the repetition, and each network is computed on one thread.
public enum OP3ReferencePredictor {
    /// Trains both stages on the problem's training rows and predicts its held-out rows.
    public static func fitPredict(
        _ problem: OP3PredictionProblem, features: CompoundFeatureMatrix?,
        options: OP3ReferenceOptions, seed: UInt64,
        progressLabel: String? = nil
    ) -> OP3ReferencePrediction {
        precondition(
            options.repetitions >= 1 && options.epochsScale > 0,
            "OP3ReferencePredictor: repetitions \(options.repetitions), epochs scale \(options.epochsScale)")
        let clipper = GeneRangeClipper(fitting: problem.targets, rows: problem.train.count, genes: problem.genes)
        var pseudoLabels = stage(
            1, OP3ReferenceEnsemble.stage1, train: problem.train, targets: problem.targets,
            problem: problem, features: features, options: options, seed: seed,
            progressLabel: progressLabel)
        clipper.clip(&pseudoLabels)
        let combined = OP3Examples(
            cellTypes: problem.train.cellTypes + problem.test.cellTypes,
            compounds: problem.train.compounds + problem.test.compounds)
        var prediction = stage(
            2, OP3ReferenceEnsemble.stage2, train: combined, targets: problem.targets + pseudoLabels,
            problem: problem, features: features, options: options, seed: seed,
            progressLabel: progressLabel)
        clipper.clip(&prediction)
        return OP3ReferencePrediction(pseudoLabels: pseudoLabels, prediction: prediction)
    }

    /// One stage: the weighted mean over `ensemble`'s networks of the median over repetitions, for `problem.test`.
    /// The networks train concurrently on `Engine.threads` threads, each on one thread, so that the result does not
    /// depend on the thread count.
    static func stage(
        _ number: Int, _ ensemble: OP3ReferenceEnsemble, train: OP3Examples, targets: [Float],
        problem: OP3PredictionProblem, features: CompoundFeatureMatrix?, options: OP3ReferenceOptions,
        seed: UInt64, progressLabel: String?
    ) -> [Float] {
        let genes = problem.genes, test = problem.test
        let rank = min(ensemble.models.map(\.components).max() ?? 1, train.count, genes)
        var svdRng = SeededRNG.derived(seed: seed, label: "op3-reference-svd-\(number)")
        let svd = TruncatedSVD(fitting: targets, rows: train.count, cols: genes, rank: rank, seed: svdRng.next())
        let reps = options.repetitions, fits = ensemble.models.count * reps
        let progress = progressLabel.map {
            ProgressReporter(label: "\($0) stage \(number)", unit: "networks", total: fits)
        }
        let lock = NSLock()
        var done = 0
        var predictions = [[Float]](repeating: [], count: fits)
        let workers = Engine.threads
        Engine.withSingleThreadedKernels {
            predictions.withUnsafeMutableBufferPointer { out in
                Parallel.forEachItem(count: fits, threads: workers) { job in
                    let (m, rep) = job.quotientAndRemainder(dividingBy: reps)
                    let spec = ensemble.models[m]
                    let leading = svd.leading(min(spec.components, rank))
                    var rng = SeededRNG.derived(seed: seed, label: "op3-reference-stage\(number)-model\(m)-rep\(rep)")
                    let network = OP3ReferenceNetwork(
                        spec: spec, outputs: leading.rank,
                        cellTypes: problem.cellTypeCount, compounds: problem.compoundCount,
                        features: features, mode: options.externalMode,
                        batchNormMomentum: options.batchNormMomentum, rng: &rng)
                    network.fit(
                        train, coordinates: leading.transform(targets, rows: train.count),
                        epochs: options.scaled(spec.epochs), seed: rng.next())
                    out[job] = leading.inverseTransform(network.predict(test), rows: test.count)
                    lock.lock()
                    done += 1
                    progress?.update(done: done, fields: [("model", "\(spec.architecture.rawValue)")])
                    lock.unlock()
                }
            }
        }
        progress?.finish(done: fits)
        var weighted = [Double](repeating: 0, count: test.count * genes)
        for m in ensemble.models.indices {
            let median = elementwiseMedian(Array(predictions[(m * reps)..<((m + 1) * reps)]))
            for i in weighted.indices { weighted[i] += ensemble.weights[m] * Double(median[i]) }
        }
        let total = ensemble.weights.reduce(0, +)
        return weighted.map { Float($0 / total) }
    }

    /// The median of each element over equally long arrays (the mean of the two middle values for an even count,
    /// as NumPy's `median`).
    static func elementwiseMedian(_ arrays: [[Float]]) -> [Float] {
        guard arrays.count > 1 else { return arrays.first ?? [] }
        let n = arrays.count
        return (0..<arrays[0].count).map { i in
            let sorted = arrays.map { $0[i] }.sorted()
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
    }
}
