import Foundation
import PerturbBase
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbEval

/// Agreement on the real L1000 plate (LJP005_A375_24H, one well per compound and dose): wells of one compound across
/// its doses agree better than wells of different compounds on the same plate.
final class AgreementL1000Tests: XCTestCase {
    func testDoseSeriesWellsAgreeBeyondSamePlateBaseline() throws {
        let url = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        var report = IngestReport(source: url.path, format: "gct")
        var options = L1000Ingest.Options(dataset: "A375")
        options.builder = EffectBuilder.Options(statistics: false, keepReplicates: true)
        let result = try L1000Ingest.ingest(url, resolver: CompoundResolver(), options: options, report: &report)
        let wells = try ProfileSet.fromEffects(result.replicates)
        XCTAssertEqual(wells.count, 1)
        XCTAssertEqual(wells[0].conditions.count, 351)
        XCTAssertEqual(wells[0].genes.count, 978)
        // Every (compound, dose) has one well: no replicate pairs under the dose rule.
        XCTAssertTrue(ConditionMatcher.replicatePairs(wells[0], rules: MatchRules()).isEmpty)

        // Keep the first 12 compounds (debug-build speed); pairs are the wells of one compound across doses.
        let keep = Set(
            wells[0].conditions.map(\.compound).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                .prefix(12))
        let rows = wells[0].conditions.indices.filter { keep.contains(wells[0].conditions[$0].compound) }
        let g = wells[0].genes.count
        let subset = try ProfileSet(
            dataset: "A375", genes: wells[0].genes, conditions: rows.map { wells[0].conditions[$0] },
            values: rows.flatMap { wells[0].values[$0 * g..<($0 + 1) * g] },
            measured: rows.flatMap { wells[0].measured[$0 * g..<($0 + 1) * g] })
        let analysis = try AgreementAnalysis.run(
            sets: [subset], rules: try MatchRules.parse("context,time"),
            options: AgreementOptions(similarities: []), showProgress: false)
        XCTAssertGreaterThanOrEqual(analysis.pairs.count, 12 * 10)  // ≥ 5 doses per compound → ≥ 10 pairs each
        XCTAssertEqual(
            subset.deRules, [.logFCFallback(threshold: 1)], "a GCT plate has no p-values: the flagged fallback")
        let summary = analysis.summarize(bootstrap: BootstrapOptions(draws: 300))
        func value(_ quantity: String) -> AgreementEstimate {
            summary.first { $0.metric == AgreementMetric.spearmanAll.rawValue && $0.quantity == quantity }!
        }
        XCTAssertEqual(value("observed").comparison, "replicate")
        XCTAssertEqual(value("observed").interval.clusters, 12)
        // Wells of one compound across doses agree better than same-plate wells of other compounds at the same dose.
        XCTAssertGreaterThan(value("observed").interval.estimate, value("source_peer").interval.estimate)
        XCTAssertGreaterThan(value("delta_vs_source_peer").interval.low, 0)
        XCTAssertGreaterThan(value("source_peer").interval.estimate, 0.05)  // wells of one plate share a plate response
    }
}
