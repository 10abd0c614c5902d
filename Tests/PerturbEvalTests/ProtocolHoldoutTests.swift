import Foundation
import PerturbBase
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbEval
@testable import PerturbModel

final class ProtocolHoldoutTests: XCTestCase {
    private func epoch(_ e: Int, global: Double?, _ perDataset: [String: Double]) -> EpochMetrics {
        EpochMetrics(
            epoch: e, step: e, learningRate: 0.001, trainRMSE: 1, trainRows: 10,
            validation: ValidationMetrics(rmse: global, pearson: nil, count: 10, perDatasetRMSE: perDataset),
            seconds: 1, rowsPerSecond: 10)
    }

    func testCheckpointSelectionUsesTheDatasetsOwnValidationRMSE() {
        let history = [
            epoch(1, global: 0.9, ["a": 0.8, "b": 1.0]),
            epoch(2, global: 0.7, ["a": 0.6, "b": 0.9]),
            epoch(3, global: 0.6, ["a": 0.65, "b": 0.5]),
        ]
        XCTAssertEqual(HoldoutProtocol.bestEpoch(history, dataset: "a").epoch, 2)
        XCTAssertEqual(HoldoutProtocol.bestEpoch(history, dataset: "b").epoch, 3)
        let fallback = HoldoutProtocol.bestEpoch(history, dataset: "c")
        XCTAssertEqual(fallback.epoch, 3)
        XCTAssertTrue(fallback.selection.contains("global"))
        XCTAssertEqual(
            HoldoutProtocol.bestEpoch([epoch(1, global: nil, [:]), epoch(2, global: nil, [:])], dataset: "a").epoch, 2)
    }

    func testFinetuneInitIsTheBestSeedAndEpochForTheDataset() throws {
        let dir = try temporaryDirectory("holdout-init")
        var runs: [UInt64: TrainingRun] = [:]
        for (seed, values) in [(13 as UInt64, [0.9, 0.7]), (17, [0.8, 0.75]), (19, [0.95, 0.72])] {
            let folder = dir.appendingPathComponent("seed-\(seed)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for e in 1...2 {
                XCTAssertTrue(FileManager.default.createFile(atPath: RunFolder(folder).epoch(e).path, contents: Data()))
            }
            runs[seed] = TrainingRun(
                bestEpoch: 2, bestValidationRMSE: values[1], perDatasetValidationRMSE: [:],
                history: values.enumerated().map { epoch($0.offset + 1, global: $0.element, ["d": $0.element]) },
                runDirectory: folder, stoppedEarly: false)
        }
        let choice = try HoldoutProtocol.selectFinetuneInit(runs, seeds: [13, 17, 19], dataset: "d", encoder: .learned)
        XCTAssertEqual(choice.sourceSeed, 13)
        XCTAssertEqual(choice.epoch, 2)
        XCTAssertEqual(choice.validationRMSE, 0.7)
    }

    func testSummaryIsMeanAndSampleSDOverSeeds() {
        let m =
            [0.5, 0.6, 0.7].enumerated().map {
                HoldoutMeasurement(
                    family: "f", seed: UInt64($0.offset), dataset: "d", split: "test", metric: "rmse", value: $0.element
                )
            } + [HoldoutMeasurement(family: "g", seed: 0, dataset: "d", split: "test", metric: "rmse", value: 0.4)]
        let summary = HoldoutSummary(m, families: ["f", "g"], datasets: ["d", "e"])
        let f = summary.cell(family: "f", dataset: "d", split: "test", metric: "rmse")!.aggregate
        XCTAssertEqual(f.mean, 0.6, accuracy: 1e-12)
        XCTAssertEqual(f.sd, 0.1, accuracy: 1e-12)
        let md = summary.markdown(split: "test", metric: "rmse")
        XCTAssertTrue(md.contains("| d | 0.6000 ± 0.1000 (n=3) | 0.4000 (n=1) |"), md)
        XCTAssertFalse(md.contains("| e |"), "a dataset without test conditions gets no row of NA:\n\(md)")
        XCTAssertTrue(md.contains("Not scored (no test conditions): e."), md)
    }

    func testFamilyListParsing() throws {
        XCTAssertEqual(try HoldoutFamily.parseList(["all"]), HoldoutFamily.allCases)
        XCTAssertEqual(
            try HoldoutFamily.parseList(["morgan_fixed", "scratch_target_only", "morgan_fixed"]),
            [.morganFixed, .scratchTargetOnly])
        XCTAssertThrowsError(try HoldoutFamily.parseList(["scratch"]))
        XCTAssertThrowsError(try HoldoutFamily.parseList(["all", "morgan_fixed"]), "all is only valid alone")
        XCTAssertEqual(HoldoutFamily.finetuneMorganLearned.encoder, .morganLearned)
        XCTAssertEqual(HoldoutFamily.morganFixed.training, .allDatasets)
    }

    func testTinyEndToEndHoldoutOnTheSmallSimulator() throws {
        let output = try Simulator.simulate(config: .preset(.small), seed: 1)
        let table = EffectsTable.concatenate(output.tables)
        var config = LPMConfig()
        config.embeddingDim = 8
        config.hiddenWidth = 16
        config.batchSize = 64
        config.threads = 1
        var options = HoldoutOptions(baseConfig: config)
        options.families = [.scratchTargetOnly, .finetuneFrozenMoleculeEmbeddings]
        options.seeds = [13]
        options.epochs = 2
        options.targets = ["sim_op3"]
        options.progress = false
        options.baselines = false
        let dir = try temporaryDirectory("holdout-e2e")
        let result = try HoldoutProtocol.run(effects: table, options: options, output: dir)

        XCTAssertEqual(result.split.kind, "molecule-holdout", "several datasets → cross-dataset split")
        XCTAssertEqual(MoleculeHoldout.trainingCopyViolations(result.split), 0)
        // Every family × split × metric for the target, one seed.
        XCTAssertEqual(result.measurements.count, 2 * 2 * HoldoutProtocol.metrics.count)
        XCTAssertTrue(result.measurements.allSatisfy { $0.dataset == "sim_op3" && $0.value.isFinite })
        XCTAssertEqual(result.finetuneInits.map(\.dataset), ["sim_op3"])
        // Only the selected epoch checkpoint of the source run is kept.
        let sourceFolder = dir.appendingPathComponent("runs/all_datasets-learned/seed-13")
        let epochFiles = try FileManager.default.contentsOfDirectory(atPath: sourceFolder.path).filter {
            $0.hasPrefix("epoch-") && $0.hasSuffix(".safetensors")
        }
        XCTAssertEqual(epochFiles, [RunFolder(sourceFolder).epoch(result.finetuneInits[0].epoch).lastPathComponent])

        // One squared-error record per test condition and family; pooled, they give the pooled test RMSE.
        let testRows = result.split.entries.indices.filter {
            result.split.entries[$0].split == SplitAssignment.test && table.conditions[$0].dataset == "sim_op3"
        }
        XCTAssertEqual(result.testErrors.count, 2 * testRows.count)
        for family in options.families {
            let errors = result.testErrors.filter { $0.family == family.rawValue }
            let pooled = (errors.map(\.squaredError).reduce(0, +) / Double(errors.map(\.count).reduce(0, +)))
                .squareRoot()
            let rmse = result.measurements.first {
                $0.family == family.rawValue && $0.split == SplitAssignment.test && $0.metric == "rmse"
            }!.value
            XCTAssertEqual(pooled, rmse, accuracy: 1e-12 * rmse, family.rawValue)
        }

        let summary = HoldoutSummary(
            result.measurements, families: result.families.map(\.rawValue), datasets: result.targets)
        let units = HoldoutUnitScore.seedMeans(result.testErrors)
        let plan = try XCTUnwrap(HoldoutComparison.families(selected: options.families, baseline: nil))
        let comparison = HoldoutComparison(
            units: units, measurements: result.measurements, baseline: plan.baseline.rawValue,
            families: plan.compared.map(\.rawValue), datasets: result.targets,
            bootstrap: BootstrapOptions(draws: 200))
        try HoldoutReport.write(
            result, summary: summary, units: units, comparison: comparison, settings: ["test"], to: dir)
        for name in [
            "split.tsv", "holdout_long.tsv", "holdout_long.md", "holdout_summary.tsv", "holdout_summary.md",
            "holdout_runs.tsv", "finetune_init.tsv", "holdout_test_rmse.svg", "holdout_val_rmse.svg",
            "holdout_units.tsv", "holdout_paired_deltas.tsv", "holdout_wilcoxon.tsv", "holdout_delta_forest.svg",
        ] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "missing \(name)")
        }
        let long = try DelimitedTable.read(dir.appendingPathComponent("holdout_long.tsv"), delimiter: "\t")
        XCTAssertEqual(long.header, ["family", "seed", "dataset", "split", "metric", "value"])
        XCTAssertEqual(long.rows.count, result.measurements.count)
        let unitTable = try DelimitedTable.read(dir.appendingPathComponent("holdout_units.tsv"), delimiter: "\t")
        XCTAssertEqual(unitTable.rows.count, units.count)
        XCTAssertEqual(Set(unitTable.rows.map { $0[0] }), Set(options.families.map(\.rawValue)))
        let deltas = try DelimitedTable.read(dir.appendingPathComponent("holdout_paired_deltas.tsv"), delimiter: "\t")
        XCTAssertEqual(
            deltas.rows.map { Array($0[0..<3]) },
            [["sim_op3", "scratch_target_only", "finetune_frozen_molecule_embeddings"]])
        XCTAssertEqual(deltas.rows[0][3], "\(units.count / 2)", "every unit is paired")
        let md = try String(contentsOf: dir.appendingPathComponent("holdout_summary.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("## Paired Δ test RMSE vs scratch_target_only"), md)
        XCTAssertTrue(
            md.contains("Welch t-tests need at least 2 seeds per family."), "one seed: no Welch columns\n\(md)")
        // Repeating the protocol resumes the finished runs and gives the same numbers.
        let again = try HoldoutProtocol.run(effects: table, options: options, output: dir)
        XCTAssertEqual(again.measurements, result.measurements)
    }

    /// The trivial baselines from the target's own training rows: zeros score the root mean square of the truth, the
    /// context mean is the mean of the training conditions of the same context, and each appears once per seed.
    func testTrivialBaselinesOfTheHoldout() throws {
        let output = try Simulator.simulate(config: .preset(.small), seed: 1)
        let table = EffectsTable.concatenate(output.tables)
        let split = MoleculeHoldout.crossDataset(conditions: table.conditions, seed: 13)
        let train = split.entries.indices.filter {
            split.entries[$0].split == "train" && table.conditions[$0].dataset == "sim_op3"
        }
        let test = split.entries.indices.filter {
            split.entries[$0].split == "test" && table.conditions[$0].dataset == "sim_op3"
        }
        XCTAssertFalse(test.isEmpty)
        let rows = HoldoutProtocol.EvaluationRows(val: [], test: test)
        let zeros = try HoldoutProtocol.evaluate(
            baseline: .zeros, table: table, trainRows: train, rows: rows, seeds: [13, 17], dataset: "sim_op3")
        var sum = 0.0, count = 0
        for r in test {
            for (v, m) in zip(table.row(r), table.measuredRow(r)) where m { sum += Double(v) * Double(v); count += 1 }
        }
        let rmse = zeros.measurements.filter { $0.metric == "rmse" }
        XCTAssertEqual(rmse.map(\.seed), [13, 17])
        for m in rmse { XCTAssertEqual(m.value, (sum / Double(count)).squareRoot(), accuracy: 1e-6) }
        XCTAssertEqual(zeros.testErrors.count, 2 * test.count, "one unit error per test condition and seed")

        let means = TrivialBaseline.contextMean.predict(table: table, trainRows: train, rows: [test[0]])
        let context = table.conditions[test[0]].context
        let members = train.filter { table.conditions[$0].context == context }
        let g = table.geneCount
        let j = (0..<g).first { gene in members.contains { Array(table.measuredRow($0))[gene] } }!
        let expected = members.filter { Array(table.measuredRow($0))[j] }.map { Double(Array(table.row($0))[j]) }
        XCTAssertEqual(Double(means[j]), expected.reduce(0, +) / Double(expected.count), accuracy: 1e-5)
    }
}
