import Foundation

/// What an OP3 predictor learns from and predicts: the training examples with their targets, the held-out examples,
/// and the sizes of the cell-type and compound vocabularies (the label encoding of train and held-out names together).
public struct OP3PredictionProblem: Sendable {
    public var train: OP3Examples
    /// Training targets, row-major `train.count × genes`.
    public var targets: [Float]
    public var genes: Int
    public var test: OP3Examples
    public var cellTypeCount: Int
    public var compoundCount: Int

    public init(
        train: OP3Examples, targets: [Float], genes: Int, test: OP3Examples, cellTypeCount: Int,
        compoundCount: Int
    ) {
        precondition(
            genes > 0 && targets.count == train.count * genes,
            "OP3PredictionProblem: \(targets.count) targets for \(train.count) rows × \(genes) genes")
        self.train = train
        self.targets = targets
        self.genes = genes
        self.test = test
        self.cellTypeCount = cellTypeCount
        self.compoundCount = compoundCount
    }
}

/// The downstream predictor of the OP3 protocol.
public enum OP3PredictorKind: String, Codable, Sendable, CaseIterable {
    /// `OP3Predictor`: one SVD-MLP architecture, a small unweighted ensemble, one stage (seconds per seed).
    case fast
    /// `OP3ReferencePredictor`: the OP3 method `nn_retraining_with_pseudolabels` (two weighted ensembles of tuned
    /// Keras networks, pseudo-labels; minutes per seed).
    case reference
}

extension OP3ProtocolOptions {
    /// Trains the chosen predictor on `problem` and predicts its held-out rows (`test.count × genes`), anchored at
    /// the per-context training mean when `anchor` is `.mean` (then with the shrinkage factor it chose).
    func fitPredict(
        _ problem: OP3PredictionProblem, features: CompoundFeatureMatrix?, seed: UInt64,
        progressLabel: String?
    ) -> (prediction: [Float], shrinkage: Float?) {
        func raw(_ p: OP3PredictionProblem, _ s: UInt64, _ label: String?) -> [Float] {
            switch predictorKind {
            case .fast:
                return OP3Predictor.fitPredict(p, features: features, options: predictor, seed: s, progressLabel: label)
            case .reference:
                return OP3ReferencePredictor.fitPredict(
                    p, features: features, options: reference, seed: s,
                    progressLabel: label
                ).prediction
            }
        }
        switch anchor {
        case .none:
            return (raw(problem, seed, progressLabel), nil)
        case .mean:
            var fits = 0
            let anchored = OP3MeanAnchor.fitPredict(problem, folds: anchorFolds, seed: seed) { p, s in
                fits += 1
                return raw(p, s, progressLabel.map { "\($0) fit \(fits)/\(anchorFolds + 1)" })
            }
            return (anchored.prediction, anchored.shrinkage)
        }
    }

    /// One line naming the predictor and its settings, for reports.
    var predictorDescription: String {
        let anchoring =
            anchor == .mean
            ? "; residuals from the per-cell-type training mean, shrunk by a factor chosen by \(anchorFolds)-fold "
                + "cross-validation over the training compounds"
            : "; no anchor (targets regressed directly)"
        return predictorSettings + anchoring
    }

    private var predictorSettings: String {
        switch predictorKind {
        case .fast:
            let p = predictor
            return "fast SVD-MLP: SVD \(p.components) components, embeddings \(p.embeddingDim), hidden "
                + "\(p.hidden.map(String.init).joined(separator: "-")), dropout \(p.dropout), \(p.epochs) epochs, "
                + "batch \(p.batchSize), lr \(p.learningRate), ensemble \(p.ensemble), "
                + "external vectors \(p.externalMode.rawValue)"
        case .reference:
            let r = reference
            let (stage1, stage2) = (OP3ReferenceEnsemble.stage1.models.count, OP3ReferenceEnsemble.stage2.models.count)
            return "reference nn_retraining_with_pseudolabels: stage 1 \(stage1) models, stage 2 \(stage2) models on "
                + "training rows + pseudo-labels, "
                + "trainings per network \(r.repetitions) (median), epochs × \(r.epochsScale), "
                + "external vectors \(r.externalMode.rawValue)"
        }
    }
}
