import PerturbData
import XCTest

@testable import PerturbModel

/// How `PanelGroupPlanner` groups the gene panels of a batch.
final class PanelGroupingTests: XCTestCase {
    /// Panels 0–2 are near-identical 1,000-gene panels with few rows; panel 3 is a disjoint 1,000-gene panel with
    /// few rows; panel 4 has many rows.
    let genes: [Int32: [Int32]] = [
        0: Array(0..<1_000), 1: Array(0..<990) + [1_500], 2: Array(5..<1_000),
        3: Array(2_000..<3_000), 4: Array(0..<500),
    ]

    func plan(_ rows: [Int32: Int], cost: Int) -> [[Int32]] {
        var planner = PanelGroupPlanner(geneCount: 3_000, groupCostRows: cost)
        return planner.plan(rowsPerPanel: rows) { self.genes[$0]! }
    }

    func testSimilarSmallPanelsShareAGroupAndOthersStayExact() {
        let groups = plan([0: 10, 1: 12, 2: 8, 3: 10, 4: 500], cost: 48)
        XCTAssertEqual(groups.first, [4], "a panel with many rows is a group of its own")
        XCTAssertEqual(
            Set(groups.dropFirst().map { Set($0) }), [Set([0, 1, 2]), Set([3])],
            "overlapping panels merge; a disjoint one would double the union, so it stays apart")
        XCTAssertEqual(groups.flatMap { $0 }.sorted(), [0, 1, 2, 3, 4], "every panel exactly once")
    }

    func testZeroGroupCostKeepsEveryPanelExact() {
        XCTAssertEqual(plan([0: 10, 1: 12, 3: 10], cost: 0).map(\.count), [1, 1, 1])
    }

    func testPlanIsDeterministic() {
        let rows: [Int32: Int] = [0: 3, 1: 40, 2: 7, 3: 1, 4: 2]
        XCTAssertEqual(plan(rows, cost: 48), plan(rows, cost: 48))
    }

    /// Corpus rows are gathered dense over their panel, and a non-finite logFC is refused naming the source, row,
    /// condition and gene (the first one in row order, whichever thread reads it).
    func testCorpusRowsAreDenseOverTheirPanelAndRefuseNonFiniteValues() throws {
        var table = ModelTestData.table()
        let g = table.genes.count, rows = Array(0..<table.conditions.count)
        let vocab = Vocabularies(table: table)
        let clean = try TrainingCorpus(
            sources: [TableSource(table)], train: [rows], validation: [[]], vocabularies: vocab, shardConditions: 64)
        for record in try clean.shards(validation: false).flatMap({ try clean.rows($0) }) {
            let genes = clean.panels[Int(record.panel)].genes
            XCTAssertEqual(record.values.count, genes.count)
        }
        let first = try clean.rows(clean.shards(validation: false)[0])[0]
        XCTAssertEqual(
            first.values.scalars, Array(table.logFC[0..<first.values.count]), "row 0 measures genes 0..<12 in order")
        table.logFC[5 * g + 3] = .infinity
        table.logFC[9 * g + 1] = .nan
        let damaged = try TrainingCorpus(
            sources: [TableSource(table)], train: [rows], validation: [[]], vocabularies: vocab, shardConditions: 64)
        XCTAssertThrowsError(try damaged.rows(damaged.shards(validation: false)[0])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("row 5 ("), message)
            XCTAssertTrue(message.contains("gene 'G3'"), message)
            XCTAssertTrue(message.contains("inf"), message)
        }
    }

    /// A shard's block is read whole, so shards are bounded by the file rows they span, not by how many selected
    /// rows they hold: sparse validation rows (every 7th) must not make one shard read 7× the block.
    func testShardsSpanAtMostShardRowsFileRows() throws {
        let table = ModelTestData.table()
        let all = Array(0..<table.conditions.count)
        let validation = all.filter { $0 % 7 == 3 }, train = all.filter { $0 % 7 != 3 }
        let corpus = try TrainingCorpus(
            sources: [TableSource(table)], train: [train], validation: [validation],
            vocabularies: Vocabularies(table: table), shardConditions: 5)
        for (selected, isValidation) in [(validation, true), (train, false)] {
            let shards = corpus.shards(validation: isValidation)
            XCTAssertEqual(shards.flatMap { Array($0.rows) }, selected, "every selected row once, in order")
            for shard in shards { XCTAssertLessThan(shard.rows.last! - shard.rows.first!, 5) }
        }
    }
}
