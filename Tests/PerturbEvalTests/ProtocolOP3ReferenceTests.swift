import Foundation
import PerturbBase
import PerturbData
import PerturbTensor
import PerturbTestSupport
import XCTest

@testable import PerturbEval

/// The reference OP3 predictor (`nn_retraining_with_pseudolabels`): its tables are the notebooks', it sees a signal
/// that is there, its second stage matters, and it is reproducible.
final class ProtocolOP3ReferenceTests: XCTestCase {
    /// The problem of `ProtocolOP3Tests.syntheticTask` (24 compounds × 3 cell types × 30 genes), 6 compounds held
    /// out.
    static func syntheticProblem() throws -> (problem: OP3PredictionProblem, descriptors: CompoundFeatureMatrix) {
        let (table, descriptors) = ProtocolOP3Tests.syntheticTask()
        let task = try OP3Task.make(from: table, layer: "logFC", file: "synthetic")
        let test = Set(task.compounds.indices.filter { $0 % 4 == 0 })
        let rows = Array(0..<task.rowCount)
        let trainRows = rows.filter { !test.contains(Int(task.rowCompound[$0])) }
        let testRows = rows.filter { test.contains(Int(task.rowCompound[$0])) }
        let problem = OP3PredictionProblem(
            train: task.examples(trainRows), targets: task.targets(trainRows),
            genes: task.genes.count, test: task.examples(testRows),
            cellTypeCount: task.cellTypes.count, compoundCount: task.compounds.count)
        let matrix = CompoundFeatureMatrix(
            name: "desc", dim: 8, values: descriptors.flatMap { $0 },
            available: [Bool](repeating: true, count: descriptors.count))
        return (problem, matrix)
    }

    static func quickOptions(scale: Double = 0.02) -> OP3ReferenceOptions {
        var options = OP3ReferenceOptions()
        options.repetitions = 1
        options.epochsScale = scale
        return options
    }

    func testEnsemblesAndArchitecturesAreTheNotebooks() {
        let stage1 = OP3ReferenceEnsemble.stage1, stage2 = OP3ReferenceEnsemble.stage2
        XCTAssertEqual(stage1.models.map(\.architecture.rawValue), [1, 2, 3, 5, 6, 7, 8])
        XCTAssertEqual(
            stage2.models.map(\.architecture.rawValue),
            [1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 8])
        XCTAssertEqual(stage1.weights.count, 7)
        XCTAssertEqual(stage2.weights.count, 20)
        XCTAssertEqual(stage1.weights[0], 0.15224443321212433)
        XCTAssertEqual(stage2.weights[19], 0.6758531294442794)
        XCTAssertTrue(stage2.models.allSatisfy { $0.epochs == 200 })
        XCTAssertEqual(stage1.models.map(\.epochs), [114, 136, 157, 122, 112, 141, 143])
        XCTAssertEqual(stage1.models[0].components, 50)
        XCTAssertEqual(stage1.models[0].embeddingDim, 22)
        XCTAssertEqual(stage1.models[0].learningRate, 0.008457844)
        // Model 1: Dense 256 → BN → ReLU → Drop 0.2 → Dense 1024 ReLU → BN → Drop 0.2.
        XCTAssertEqual(
            stage1.models[0].steps,
            [
                .dense(256), .batchNorm, .relu, .dropout(0.2),
                .dense(1024), .relu, .batchNorm, .dropout(0.2),
            ])
        // Model 6 normalizes its input and uses dropout_2 twice, as the notebook does.
        let model6 = stage1.models[4]
        XCTAssertEqual(
            model6.steps,
            [
                .batchNorm, .dense(436), .relu, .dropout(model6.dropout[1]),
                .dense(416), .batchNorm, .relu, .dropout(model6.dropout[1]),
            ])
        XCTAssertEqual(stage1.models[2].steps.count, 16, "model 3: four Dense → BN → ReLU → Dropout blocks")
        XCTAssertEqual(
            stage1.models.map(\.architecture.loss),
            [.mae, .mae, .mae, .meanRowwiseRMSE, .meanRowwiseRMSE, .meanRowwiseRMSE, .meanRowwiseRMSE])
    }

    func testMedianOverRepetitionsAndScaledEpochs() {
        XCTAssertEqual(OP3ReferencePredictor.elementwiseMedian([[1, 5], [3, -1]]), [2, 2])
        XCTAssertEqual(OP3ReferencePredictor.elementwiseMedian([[1, 5], [9, -1], [3, 0]]), [3, 0])
        var options = OP3ReferenceOptions()
        XCTAssertEqual(options.scaled(114), 114)
        XCTAssertEqual(options.batchNormMomentum, 0.99, "Keras' momentum at the reference's epochs")
        options.epochsScale = 0.1
        XCTAssertEqual(options.scaled(114), 11)
        XCTAssertEqual(options.scaled(4), 1, "at least one epoch")
        XCTAssertEqual(Double(options.batchNormMomentum), pow(0.99, 10), accuracy: 1e-6)
    }

    /// `none` uses learned tables only; with vectors a compound without one falls back to its learned embedding;
    /// `fixed` keeps the vector table, `trainable` fine-tunes it, `concat` feeds it to the projection beside the
    /// learned embedding.
    func testCompoundRepresentationVariants() {
        let features = CompoundFeatureMatrix(
            name: "f", dim: 3, values: [1, 2, 3, 0, 0, 0, -1, 0.5, 2],
            available: [true, false, true])
        let batch = OP3Examples(cellTypes: [0, 1, 0], compounds: [0, 1, 2])
        var rng = SeededRNG(seed: 1)
        let plain = OP3ReferenceInputs(cellTypes: 2, compounds: 3, width: 4, features: nil, mode: .trainable, rng: &rng)
        XCTAssertEqual(plain.parameters.map(\.name), ["cell_embedding.weight", "sm_embedding.weight"])
        let graph = Graph()
        XCTAssertEqual(withExtendedLifetime(graph) { plain(batch, graph: graph).shape }, [3, 8])
        for mode in ExternalEmbeddingMode.allCases {
            let inputs = OP3ReferenceInputs(
                cellTypes: 2, compounds: 3, width: 4, features: features, mode: mode,
                rng: &rng)
            XCTAssertEqual(inputs.external!.projection.inputs, mode == .concat ? 7 : 3)
            let g = Graph()
            let x = inputs(batch, graph: g)
            XCTAssertEqual(x.shape, [3, 8])
            // Compound 1 has no vector: its half of the row is its learned embedding.
            XCTAssertEqual(Array(x.value.scalars[12..<16]), Array(inputs.compoundEmbedding.weight.value.scalars[4..<8]))
            g.backward(sum(x * x))
            XCTAssertEqual(inputs.external!.table.weight.grad != nil, mode == .trainable, "\(mode)")
        }
    }

    /// Same seed → identical predictions, on 1 and 2 threads; another seed → other predictions.
    func testDeterministicForASeedAndThreadCount() throws {
        let (problem, descriptors) = try Self.syntheticProblem()
        func run(seed: UInt64, threads: Int) -> [Float] {
            Engine.setThreads(threads)
            defer { Engine.setThreads(Parallel.threadCount) }
            return OP3ReferencePredictor.fitPredict(
                problem, features: descriptors, options: Self.quickOptions(),
                seed: seed
            ).prediction
        }
        let first = run(seed: 3, threads: 1)
        XCTAssertEqual(first.count, problem.test.count * problem.genes)
        XCTAssertTrue(first.allSatisfy(\.isFinite))
        XCTAssertEqual(first, run(seed: 3, threads: 1))
        XCTAssertEqual(first, run(seed: 3, threads: 2), "the thread count does not change the predictions")
        XCTAssertNotEqual(first, run(seed: 4, threads: 1))
    }

    /// On the small simulator's OP3-like data the true compound latents (`oracle`) give a mean row-wise RMSE no worse
    /// than the per-context training mean, and better correlations; the pseudo-label stage changes the prediction.
    func testOracleFeaturesAreAtLeastTheContextMeanAndStageTwoMatters() throws {
        let config = SimulatorConfig.preset(.small)
        let output = try Simulator.simulate(config: config, seed: 13)
        let table = try XCTUnwrap(output.tables.first { $0.datasets == ["sim_op3"] })
        let dir = try temporaryDirectory("op3-reference")
        let written = try Simulator.write(output, config: config, seed: 13, to: dir)
        let task = try OP3Task.make(from: table, layer: "logFC", file: "sim_op3")
        let split = OP3Split.compoundHeldOut(
            conditions: task.table.conditions, seed: 42,
            evaluationContexts: task.cellTypes)
        let trainRows = split.entries.indices.filter { split.entries[$0].split == SplitAssignment.train }
        let testRows = split.entries.indices.filter { split.entries[$0].split == SplitAssignment.test }
        let oracle = try CompoundFeatureSource.file(written.latents).matrix(
            name: "oracle", compounds: task.compounds,
            table: task.table.compounds)
        let problem = OP3PredictionProblem(
            train: task.examples(trainRows), targets: task.targets(trainRows),
            genes: task.genes.count, test: task.examples(testRows),
            cellTypeCount: task.cellTypes.count, compoundCount: task.compounds.count)
        let result = OP3ReferencePredictor.fitPredict(
            problem, features: oracle, options: Self.quickOptions(scale: 0.1),
            seed: 0)
        let truth = task.targets(testRows)
        func score(_ prediction: [Float]) throws -> RowwiseScores {
            try RowwiseScores.evaluate(
                truth: truth, prediction: prediction, rows: testRows.count,
                genes: task.genes.count)
        }
        let reference = try score(result.prediction)
        let mean = try score(TrivialBaseline.contextMean.predict(task: task, trainRows: trainRows, rows: testRows))
        XCTAssertLessThanOrEqual(reference.mean(.rmse), mean.mean(.rmse), "oracle vs the per-context mean")
        XCTAssertGreaterThan(reference.mean(.pearson), mean.mean(.pearson) + 0.1)
        XCTAssertTrue(try score(result.pseudoLabels).mean(.rmse).isFinite)
        let changed = zip(result.pseudoLabels, result.prediction).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(changed, 1e-3, "stage 2 (retrained on the pseudo-labels) changes the prediction")
    }
}
