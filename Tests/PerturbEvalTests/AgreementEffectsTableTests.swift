import Foundation
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbEval

final class AgreementEffectsTableTests: XCTestCase {
    /// Two datasets in one effects table, written and read back as .h5ad, then matched.
    func testEffectsTableRoundTripFeedsTheAnalysis() throws {
        let genes = ["G0", "G1", "G2", "G3", "G4", "G5"]
        let compounds = [
            "AAAA-X": Compound(key: "AAAA-X", canonicalSmiles: "CCO", aliases: ["ethanol"]),
            "BBBB-Y": Compound(key: "BBBB-Y", canonicalSmiles: "CCN", aliases: ["ethylamine"]),
        ]
        var conditions: [Condition] = []
        var logFC: [Float] = []
        var measured: [Bool] = []
        let x: [Float] = [2, -1, 0.5, 3, -2, 0.1]
        let y: [Float] = [-1, 1, 2, -3, 0.2, 1]
        for dataset in ["d1", "d2"] {
            for (key, effect) in [("AAAA-X", x), ("BBBB-Y", y)] {
                conditions.append(
                    Condition(dataset: dataset, context: "A375", compounds: [key], doseMicromolar: 1, timeHours: 24))
                logFC += dataset == "d1" ? effect : effect.map { 2 * $0 }
                measured += genes.indices.map { dataset == "d2" && $0 == 5 ? false : true }
            }
            conditions.append(
                Condition(dataset: dataset, context: "A375", compounds: [], doseMicromolar: nil, timeHours: 24))
            logFC += [0, 0, 0, 0, 0, 0]
            measured += [Bool](repeating: true, count: 6)
        }
        for i in measured.indices where !measured[i] { logFC[i] = 0 }
        let table = EffectsTable(
            conditions: conditions, genes: genes, logFC: logFC, measured: measured, compounds: compounds)
        let url = try temporaryDirectory("agreement").appendingPathComponent("agreement.h5ad")
        try table.write(to: url)
        let sets = try ProfileSet.fromEffects(try EffectsTable.read(url))
        XCTAssertEqual(sets.map(\.dataset), ["d1", "d2"])
        XCTAssertEqual(sets[0].conditions.map(\.compound), ["AAAA-X", "BBBB-Y", ""])
        XCTAssertEqual(sets[0].crossDatasetRows(), [0, 1])  // the control is left out
        let analysis = try AgreementAnalysis.run(
            sets: sets, rules: MatchRules(minContextCompounds: 1),
            options: AgreementOptions(similarities: []), showProgress: false)
        XCTAssertEqual(analysis.pairs.count, 2)
        XCTAssertEqual(analysis.pairs[0].genes, 5)  // G5 is not measured in d2
        XCTAssertEqual(analysis.pairs[0].observed[.spearmanAll]!, 1, accuracy: 1e-12)
        // Source centroid of X's pair: X against its only peer Y on G0…G4 on both sides: Spearman of x against y.
        let expected = VectorStatistics.spearman(x.prefix(5).map(Double.init), y.prefix(5).map(Double.init))!
        XCTAssertEqual(analysis.pairs[0].baselines[.sourceCentroid]![.spearmanAll]!, expected, accuracy: 1e-12)
        XCTAssertEqual(expected, -0.6, accuracy: 1e-12)  // ranks (4,2,3,5,1) vs (2,4,5,1,3)
    }
}
