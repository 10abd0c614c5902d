import XCTest
@testable import PerturbEval

final class AgreementMatchingTests: XCTestCase {
    private func set(_ name: String, _ conditions: [ProfileCondition], genes: [String] = ["g1", "g2", "g3"]) throws -> ProfileSet {
        try ProfileSet(dataset: name, genes: genes, conditions: conditions,
                       values: (0..<conditions.count * genes.count).map { Float($0 % 7) - 3 })
    }

    func testMutualNearestDose() throws {
        let a = try set("A", [1.0, 10].map { ProfileCondition(context: "c", compound: "X", doseMicromolar: $0, timeHours: 24) })
        let b = try set("B", [1.2, 30, 200].map { ProfileCondition(context: "c", compound: "X", doseMicromolar: $0, timeHours: 24) })
        // Fold matrix rows A(1, 10) × cols B(1.2, 30, 200): [1.2 30 200; 8.33 3 20] → mutual minima (0,0), (1,1).
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: MatchRules()).map { [$0.0, $0.1] }, [[0, 0], [1, 1]])
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: MatchRules(maxDoseFold: 2)).map { [$0.0, $0.1] }, [[0, 0]])
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: try MatchRules.parse("context,time")).count, 6)
    }

    func testContextTimeAndControls() throws {
        let a = try set("A", [ProfileCondition(context: "c1", compound: "X", timeHours: 24),
                              ProfileCondition(context: "c1", compound: "", timeHours: 24)])
        let b = try set("B", [ProfileCondition(context: "c2", compound: "X", timeHours: 24),
                              ProfileCondition(context: "c1", compound: "X", timeHours: 6),
                              ProfileCondition(context: "c1", compound: "", timeHours: 24)])
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: MatchRules()).count, 0)
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: try MatchRules.parse("time")).map { $0.1 }, [0])
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: try MatchRules.parse("context")).map { $0.1 }, [1])
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: try MatchRules.parse("none")).count, 2)  // controls never match
        XCTAssertThrowsError(try MatchRules.parse("context,cell")) { XCTAssertTrue("\($0)".contains("unknown rule 'cell'")) }
    }

    func testReplicatePairsAndPooledRows() throws {
        var conditions = ["r1", "r2", "r3"].map { ProfileCondition(context: "c", compound: "X", doseMicromolar: 1, replicate: $0) }
        conditions.append(ProfileCondition(context: "c", compound: "X", doseMicromolar: 1))               // pooled
        conditions.append(ProfileCondition(context: "c", compound: "X", doseMicromolar: 3, replicate: "r1"))
        let s = try set("A", conditions)
        XCTAssertEqual(ConditionMatcher.replicatePairs(s, rules: MatchRules()).map { [$0.0, $0.1] }, [[0, 1], [0, 2], [1, 2]])
        // Without the dose rule the dose-3 replicate pairs with the three dose-1 replicates too.
        XCTAssertEqual(ConditionMatcher.replicatePairs(s, rules: try MatchRules.parse("context,time")).count, 6)
        XCTAssertEqual(s.crossDatasetRows, [3])
    }

    func testSharedGenesByName() {
        let shared = AgreementAnalysis.sharedGenes(["a", "b", "b", "", "c"], ["c", "x", "b", "a"])
        XCTAssertEqual(shared.map { [$0.0, $0.1] }, [[0, 3], [1, 2], [4, 0]])
    }

    func testMergingPooledAndReplicateFilesOfOneDataset() throws {
        let pooled = try set("A", [ProfileCondition(context: "c", compound: "X")])
        let reps = try set("A", ["w1", "w2"].map { ProfileCondition(context: "c", compound: "X", replicate: $0) })
        let other = try set("B", [ProfileCondition(context: "c", compound: "X")])
        let merged = try ProfileSet.mergingDatasets([pooled, other, reps])
        XCTAssertEqual(merged.map(\.dataset), ["A", "B"])
        XCTAssertEqual(merged[0].conditions.count, 3)
        XCTAssertEqual(merged[0].values.count, 9)
        XCTAssertEqual(merged[0].crossDatasetRows, [0])
        XCTAssertEqual(ConditionMatcher.replicatePairs(merged[0], rules: MatchRules()).map { [$0.0, $0.1] }, [[1, 2]])
        let otherGenes = try set("A", [ProfileCondition(context: "c", compound: "X")], genes: ["g1", "g2"])
        XCTAssertThrowsError(try ProfileSet.mergingDatasets([pooled, otherGenes])) { XCTAssertTrue("\($0)".contains("different gene lists")) }
    }

    func testBadShapeIsAnError() {
        XCTAssertThrowsError(try ProfileSet(dataset: "A", genes: ["g"], conditions: [ProfileCondition(context: "c", compound: "X")], values: [1, 2]))
    }
}
