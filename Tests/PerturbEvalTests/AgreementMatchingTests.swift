import XCTest

@testable import PerturbEval

/// Matching (seed spec §5.3 `pair_match_frame`): mutual-nearest doses within the fold cut, the ≥ 10-compound context
/// filter, row eligibility; replicate pairs; gene universes; dataset order.
final class AgreementMatchingTests: XCTestCase {
    private func set(
        _ name: String, _ conditions: [ProfileCondition], genes: [String] = ["g1", "g2", "g3"]
    ) throws -> ProfileSet {
        try ProfileSet(
            dataset: name, genes: genes, conditions: conditions,
            values: (0..<conditions.count * genes.count).map { Float($0 % 7) - 3 })
    }

    private let one = MatchRules(minContextCompounds: 1)

    func testMutualNearestDose() throws {
        let a = try set(
            "A", [1.0, 10].map { ProfileCondition(context: "c", compound: "X", doseMicromolar: $0, timeHours: 24) })
        let b = try set(
            "B",
            [1.2, 30, 200].map { ProfileCondition(context: "c", compound: "X", doseMicromolar: $0, timeHours: 24) })
        // Fold matrix rows A(1, 10) × cols B(1.2, 30, 200): [1.2 30 200; 8.33 3 20] → mutual minima (0,0), (1,1).
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: one).map { [$0.0, $0.1] }, [[0, 0], [1, 1]])
        XCTAssertEqual(
            ConditionMatcher.crossDatasetPairs(a, b, rules: MatchRules(maxDoseFold: 2, minContextCompounds: 1)).map {
                [$0.0, $0.1]
            },
            [[0, 0]])
        XCTAssertEqual(
            ConditionMatcher.crossDatasetPairs(
                a, b, rules: try MatchRules.parse("context,time", minContextCompounds: 1)
            ).count, 6)
    }

    func testFoldCutAndTies() throws {
        let a = try set(
            "A", [1.0, 2].map { ProfileCondition(context: "c", compound: "X", doseMicromolar: $0, timeHours: 24) })
        // 10-fold exactly is kept (≤ 10 + 1e-12), 11-fold is not.
        let ten = try set("B", [ProfileCondition(context: "c", compound: "X", doseMicromolar: 10, timeHours: 24)])
        // 5-fold is nearer than 10-fold.
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, ten, rules: one).map { [$0.0, $0.1] }, [[1, 0]])
        let far = try set("B", [ProfileCondition(context: "c", compound: "X", doseMicromolar: 22, timeHours: 24)])
        XCTAssertTrue(ConditionMatcher.crossDatasetPairs(a, far, rules: one).isEmpty)
        let single = try set("A", [ProfileCondition(context: "c", compound: "X", doseMicromolar: 1, timeHours: 24)])
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(single, ten, rules: one).count, 1)
        // Two B doses equally far (0.5 and 2 around 1): both are row-minimal and each column-minimal → both pairs.
        let tie = try set(
            "B", [0.5, 2].map { ProfileCondition(context: "c", compound: "X", doseMicromolar: $0, timeHours: 24) })
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(single, tie, rules: one).count, 2)
    }

    func testContextsNeedTenMatchedCompounds() throws {
        func rows(_ context: String, _ n: Int) -> [ProfileCondition] {
            (0..<n).map { ProfileCondition(context: context, compound: "K\($0)", doseMicromolar: 1, timeHours: 24) }
        }
        let a = try set("A", rows("c1", 10) + rows("c2", 9) + rows("c3", 12))
        var bRows = rows("c1", 10) + rows("c2", 9)
        bRows += (0..<12).map {
            ProfileCondition(context: "c3", compound: "K\($0)", doseMicromolar: 1, timeHours: $0 < 6 ? 24 : 48)
        }
        let b = try set("B", bRows)
        let pairs = ConditionMatcher.crossDatasetPairs(a, b, rules: MatchRules())
        // c1 keeps its 10 compounds; c2 (9) is dropped; c3 matches only 6 compounds at 24 h.
        XCTAssertEqual(Set(pairs.map { a.conditions[$0.0].context }), ["c1"])
        XCTAssertEqual(pairs.count, 10)
        XCTAssertEqual(
            ConditionMatcher.crossDatasetPairs(a, b, rules: MatchRules(minContextCompounds: 6)).count, 10 + 9 + 6)
    }

    func testRowsNeedPositiveDoseAndTime() throws {
        let a = try set(
            "A",
            [
                ProfileCondition(context: "c", compound: "X", doseMicromolar: nil, timeHours: 24),
                ProfileCondition(context: "c", compound: "Y", doseMicromolar: 0, timeHours: 24),
                ProfileCondition(context: "c", compound: "Z", doseMicromolar: 1, timeHours: nil),
                ProfileCondition(context: "c", compound: "W", doseMicromolar: 1, timeHours: 24),
            ])
        XCTAssertEqual(a.crossDatasetRows(rules: MatchRules()), [3])
        XCTAssertEqual(a.crossDatasetRows(rules: try MatchRules.parse("context")), [0, 1, 2, 3])
        let b = try set(
            "B",
            ["X", "Y", "Z", "W"].map { ProfileCondition(context: "c", compound: $0, doseMicromolar: 1, timeHours: 24) })
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: one).map { [$0.0, $0.1] }, [[3, 3]])
    }

    func testContextTimeAndControls() throws {
        let a = try set(
            "A",
            [
                ProfileCondition(context: "c1", compound: "X", doseMicromolar: 1, timeHours: 24),
                ProfileCondition(context: "c1", compound: "", doseMicromolar: 1, timeHours: 24),
            ])
        let b = try set(
            "B",
            [
                ProfileCondition(context: "c2", compound: "X", doseMicromolar: 1, timeHours: 24),
                ProfileCondition(context: "c1", compound: "X", doseMicromolar: 1, timeHours: 6),
                ProfileCondition(context: "c1", compound: "", doseMicromolar: 1, timeHours: 24),
            ])
        XCTAssertEqual(ConditionMatcher.crossDatasetPairs(a, b, rules: one).count, 0)
        XCTAssertEqual(
            ConditionMatcher.crossDatasetPairs(a, b, rules: try MatchRules.parse("time", minContextCompounds: 1)).map {
                $0.1
            }, [0])
        XCTAssertEqual(
            ConditionMatcher.crossDatasetPairs(a, b, rules: try MatchRules.parse("context", minContextCompounds: 1)).map
            { $0.1 }, [1])
        XCTAssertEqual(
            ConditionMatcher.crossDatasetPairs(a, b, rules: try MatchRules.parse("none", minContextCompounds: 1)).count,
            2)
        XCTAssertThrowsError(try MatchRules.parse("context,cell")) {
            XCTAssertTrue("\($0)".contains("unknown rule 'cell'"))
        }
    }

    func testReplicatePairsAndPooledRows() throws {
        var conditions = ["r1", "r2", "r3"].map {
            ProfileCondition(context: "c", compound: "X", doseMicromolar: 1, timeHours: 24, replicate: $0)
        }
        conditions.append(ProfileCondition(context: "c", compound: "X", doseMicromolar: 1, timeHours: 24))  // pooled
        conditions.append(
            ProfileCondition(context: "c", compound: "X", doseMicromolar: 3, timeHours: 24, replicate: "r1"))
        let s = try set("A", conditions)
        XCTAssertEqual(
            ConditionMatcher.replicatePairs(s, rules: MatchRules()).map { [$0.0, $0.1] }, [[0, 1], [0, 2], [1, 2]])
        // Without the dose rule the dose-3 replicate pairs with the three dose-1 replicates too.
        XCTAssertEqual(ConditionMatcher.replicatePairs(s, rules: try MatchRules.parse("context,time")).count, 6)
        XCTAssertEqual(s.crossDatasetRows(), [3])
    }

    func testGeneUniverseIsSharedPerCellTypeAcrossDatasets() throws {
        let row = { (context: String) in
            ProfileCondition(context: context, compound: "X", doseMicromolar: 1, timeHours: 24)
        }
        let a = try set("A", [row("c1"), row("c2")], genes: ["a", "b", "c", "d"])
        let b = try set("B", [row("c1"), row("c2")], genes: ["d", "c", "b", "x"])
        // C has c1 only and lacks "b": the global c1 universe drops "b"; c2 (A and B only) keeps it.
        let c = try set("C", [row("c1")], genes: ["c", "d", "a"])
        let global = GeneUniverse(sets: [a, b, c], rules: MatchRules(), scope: .global)
        XCTAssertEqual(global.crossDataset(0, 1, cell: "c1").map { [$0.0, $0.1] }, [[2, 1], [3, 0]])  // "c", "d"
        // "b", "c", "d".
        XCTAssertEqual(global.crossDataset(0, 1, cell: "c2").map { [$0.0, $0.1] }, [[1, 2], [2, 1], [3, 0]])
        let pair = GeneUniverse(sets: [a, b, c], rules: MatchRules(), scope: .pair)
        XCTAssertEqual(pair.crossDataset(0, 1, cell: "c1").map { [$0.0, $0.1] }, [[1, 2], [2, 1], [3, 0]])
        // A gene no row of the cell type measures is not in that dataset's line.
        var measured = [Bool](repeating: true, count: 8)
        measured[3] = false
        measured[7] = false
        let partial = try ProfileSet(
            dataset: "A", genes: ["a", "b", "c", "d"], conditions: [row("c1"), row("c2")],
            values: [Float](repeating: 1, count: 8), measured: measured)
        let scoped = GeneUniverse(sets: [partial, b], rules: MatchRules(), scope: .global)
        XCTAssertEqual(scoped.crossDataset(0, 1, cell: "c1").map(\.0), [1, 2])  // "b", "c"
    }

    func testCanonicalDatasetOrderAndLabels() {
        XCTAssertEqual(
            DatasetOrder.order(["op3", "mine", "Tahoe-100M", "L1000 Phase I", "sciplex3"]), [3, 2, 4, 0, 1])
        XCTAssertEqual(DatasetOrder.pairLabel("l1000_phase1", "cigs_mce"), "L1000 Ph1–CIGS MCE")
        XCTAssertEqual(DatasetOrder.label("mine"), "mine")
    }

    func testMergingPooledAndReplicateFilesOfOneDataset() throws {
        let c = ProfileCondition(context: "c", compound: "X", doseMicromolar: 1, timeHours: 24)
        let pooled = try set("A", [c])
        let reps = try set(
            "A",
            ["w1", "w2"].map {
                ProfileCondition(context: "c", compound: "X", doseMicromolar: 1, timeHours: 24, replicate: $0)
            })
        let other = try set("B", [c])
        let merged = try ProfileSet.mergingDatasets([pooled, other, reps])
        XCTAssertEqual(merged.map(\.dataset), ["A", "B"])
        XCTAssertEqual(merged[0].conditions.count, 3)
        XCTAssertEqual(merged[0].values.count, 9)
        XCTAssertEqual(merged[0].de.count, 9)
        XCTAssertEqual(merged[0].crossDatasetRows(), [0])
        XCTAssertEqual(ConditionMatcher.replicatePairs(merged[0], rules: MatchRules()).map { [$0.0, $0.1] }, [[1, 2]])
        let otherGenes = try set("A", [c], genes: ["g1", "g2"])
        XCTAssertThrowsError(try ProfileSet.mergingDatasets([pooled, otherGenes])) {
            XCTAssertTrue("\($0)".contains("different gene lists"))
        }
    }

    func testBadShapeIsAnError() {
        XCTAssertThrowsError(
            try ProfileSet(
                dataset: "A", genes: ["g"], conditions: [ProfileCondition(context: "c", compound: "X")], values: [1, 2])
        )
    }
}
