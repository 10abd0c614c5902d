import PerturbTensor
import XCTest

@testable import PerturbModel

/// The order a step's records are cut into micro-batches in (`OutputLayout.microBatchOrder`).
final class MicroBatchOrderTests: XCTestCase {
    /// Scalar records come out grouped by gene in ascending code order, each gene's records in their drawn order,
    /// and none lost or repeated: the micro-batches of a step cover the same records, with each gene in as few of
    /// them as possible.
    func testScalarRecordsAreGroupedByGeneKeepingTheDrawnOrder() {
        // Genes in a scrambled order, each drawn several times.
        let genes: [Int32] = (0..<5_000).map { Int32(($0 * 7_919 + $0 * $0) % 700) }
        let drawn = genes.enumerated().map { i, gene in
            ScalarRecord(
                condition: EncodedCondition(
                    dataset: Int32(i % 3), context: 0, compoundSet: Int32(i % 11), logDose: 0, time: 24),
                gene: gene, value: Float(i))
        }
        let ordered = ScalarLayout.microBatchOrder(drawn)
        XCTAssertEqual(ordered.map(\.value).sorted(), drawn.map(\.value), "a permutation of the drawn records")
        for (a, b) in zip(ordered, ordered.dropFirst()) {
            XCTAssertLessThanOrEqual(a.gene, b.gene, "grouped by gene, ascending")
            if a.gene == b.gene { XCTAssertLessThan(a.value, b.value, "gene \(a.gene): drawn order kept") }
        }
        for r in ordered { XCTAssertEqual(drawn[Int(r.value)].gene, r.gene, "record \(Int(r.value)) kept its gene") }
        XCTAssertTrue(ScalarLayout.microBatchOrder([]).isEmpty)
    }

    /// Multi-output rows keep the drawn order.
    func testMultiOutputRowsKeepTheDrawnOrder() {
        let rows = (0..<6).map { i in
            TrainingRow(
                condition: EncodedCondition(dataset: 0, context: 0, compoundSet: Int32(i), logDose: 0, time: 24),
                panel: 0, values: Tensor(shape: [1], values: [Float(i)]))
        }
        XCTAssertEqual(MultiOutputLayout.microBatchOrder(rows).map(\.values.scalars), rows.map(\.values.scalars))
    }
}
