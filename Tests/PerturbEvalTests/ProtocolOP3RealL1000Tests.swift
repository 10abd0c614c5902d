import Foundation
import PerturbBase
import PerturbChem
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbEval

/// On real L1000 signatures with structures (`../shared/data`), the Morgan predictor anchored at the per-context
/// training mean (`OP3Anchor.mean`, the default) is at least that mean: SEP-L1000 consensus signatures of 99
/// compounds (`l1000-sepl1000-lucius`, SMILES from LINCS `pertinfo`) and the A375 plate's 10 µM wells
/// (`l1000-cmappy`, limma logFC vs the plate's DMSO wells). Skipped when `../shared` is absent (fails under CI).
final class ProtocolOP3RealL1000Tests: XCTestCase {
    /// Morgan may trail the mean by at most 0.5 % of its mean row RMSE and 0.005 of its mean row Pearson: well
    /// inside the seed-to-seed noise of the anchored predictor and far below the shortfall of the unanchored one
    /// on the A375 plate (`--anchor none`: +1.3 % RMSE, −0.040 Pearson; `experiments/op3/results-real`).
    static let relativeRMSETolerance = 0.005
    static let pearsonTolerance = 0.005

    func testMorganAtLeastTheMeanOnSEPL1000Signatures() throws {
        let signatures = try Requirement.sharedFile("l1000-sepl1000-lucius/tStats-transposed-head.txt")
        let resolver = try pertinfoResolver()
        var report = IngestReport(source: signatures.path, format: "signatures")
        let table = try SignatureTableIngest.ingest(
            signatures, resolver: resolver,
            options: .init(dataset: "SEP_L1000"), report: &report)
        XCTAssertEqual(table.rowCount, 99)
        XCTAssertEqual(table.geneCount, 978)
        XCTAssertTrue(table.compounds.values.allSatisfy { !$0.canonicalSmiles.isEmpty }, "every compound has SMILES")
        try assertMorganAtLeastMean(table: table, layer: "logFC", dose: nil)
    }

    func testMorganAtLeastTheMeanOnTheA375Plate() throws {
        let plate = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        let resolver = try pertinfoResolver()
        var report = IngestReport(source: plate.path, format: "gct")
        var options = L1000Ingest.Options(dataset: "LINCS_A375")
        options.builder = EffectBuilder.Options(keepReplicates: false, method: .limma)  // as `perturbridge effects`
        let table = try L1000Ingest.ingest(plate, resolver: resolver, options: options, report: &report).pooled
        try assertMorganAtLeastMean(table: table, layer: "logFC", dose: 10)
    }

    /// Structures by LINCS `pert_id` and name, from `pertinfo.tsv.gz`.
    private func pertinfoResolver() throws -> CompoundResolver {
        let pertinfo = try Requirement.sharedFile("l1000-lincs-metadata/pertinfo.tsv.gz")
        return CompoundResolver(smilesByName: try CompoundResolver.loadNameMap(pertinfo))
    }

    /// Runs the protocol with `morgan` (fast predictor, mean anchor) and checks it against `baseline_mean` on the
    /// seed-averaged mean row RMSE and Pearson.
    private func assertMorganAtLeastMean(table: EffectsTable, layer: String, dose: Double?) throws {
        var options = OP3ProtocolOptions()
        options.layer = layer
        options.dose = dose
        options.seeds = [0, 1]
        options.features = [("morgan", .morgan(MorganOptions(radius: 1, bits: 2000)))]
        options.bootstrap = BootstrapOptions(draws: 200)
        options.progress = false
        let result = try OP3Protocol.run(effects: table, file: "shared L1000", options: options)
        let summary = OP3Summary(result, bootstrap: options.bootstrap)
        func mean(_ feature: String, _ metric: RowwiseMetric) throws -> Double {
            try XCTUnwrap(summary.rows.first { $0.feature == feature && $0.metric == metric }).seeds.mean
        }
        let (rmse, meanRMSE) = (try mean("morgan", .rmse), try mean(TrivialBaseline.contextMean.rawValue, .rmse))
        let (r, meanR) = (try mean("morgan", .pearson), try mean(TrivialBaseline.contextMean.rawValue, .pearson))
        XCTAssertLessThanOrEqual(
            rmse, meanRMSE * (1 + Self.relativeRMSETolerance),
            "Morgan MRRMSE \(rmse) vs the mean \(meanRMSE)")
        XCTAssertGreaterThanOrEqual(r, meanR - Self.pearsonTolerance, "Morgan Pearson \(r) vs the mean \(meanR)")
        XCTAssertTrue(result.results.filter { $0.feature == "morgan" }.allSatisfy { $0.shrinkage != nil })
    }
}
