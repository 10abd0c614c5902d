import Foundation
import PerturbBase
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbEval

/// The OP3 protocol can see a signal that is there: on the default simulator's OP3-like dataset, the simulator's true
/// compound latents (`oracle`) beat the descriptor-free `none` and the per-context training mean on the error metrics
/// (MRRMSE, MAE) and the correlations, with clustered CIs that exclude 0; and the trivial baselines are scored beside
/// every feature set.
final class ProtocolOP3BaselineTests: XCTestCase {
    func testOracleFeaturesBeatNoneAndTheMeanBaseline() throws {
        let output = try Simulator.simulate(config: SimulatorConfig.preset(.default), seed: 13)
        let table = try XCTUnwrap(output.tables.first { $0.datasets == ["sim_op3"] })
        let dir = try temporaryDirectory("oracle")
        let written = try Simulator.write(output, config: SimulatorConfig.preset(.default), seed: 13, to: dir)
        var options = OP3ProtocolOptions()
        options.layer = "logFC"
        options.seeds = [0, 1]
        options.features = [("oracle", .file(written.latents)), ("none", .none)]
        options.predictor.hidden = [128]
        options.predictor.epochs = 40
        options.predictor.ensemble = 1
        options.bootstrap = BootstrapOptions(draws: 1000)
        options.progress = false
        let result = try OP3Protocol.run(effects: table, file: "simulator", options: options)
        XCTAssertEqual(
            Set(result.features.map(\.name)), ["oracle", "none", "baseline_mean", "baseline_zero", "baseline_knn"])
        let summary = OP3Summary(result, bootstrap: options.bootstrap)
        for metric in [RowwiseMetric.rmse, .mae, .pearson, .spearman] {
            let row = try XCTUnwrap(summary.rows.first { $0.feature == "oracle" && $0.metric == metric })
            let vsNone = try XCTUnwrap(row.delta), vsMean = try XCTUnwrap(row.deltaVsMean)
            XCTAssertGreaterThan(vsNone.low, 0, "oracle vs none, \(metric): \(vsNone)")
            XCTAssertGreaterThan(vsMean.low, 0, "oracle vs the per-context mean, \(metric): \(vsMean)")
        }
        // The zero baseline has no correlation; the mean baseline is the same for every seed.
        XCTAssertEqual(summary.rows.first { $0.feature == "baseline_zero" && $0.metric == .pearson }?.seeds.mean, 0)
        XCTAssertEqual(summary.rows.first { $0.feature == "baseline_mean" && $0.metric == .rmse }?.seeds.sd, 0)
        XCTAssertTrue(summary.markdown().contains("Δ vs the per-context training mean"))
    }
}
