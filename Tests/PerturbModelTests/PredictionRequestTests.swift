import Foundation
import PerturbBase
import PerturbData
import PerturbIO
import PerturbTestSupport
import XCTest

@testable import PerturbModel

/// `PredictionRequests`: condition tables resolved against a model, predictions equal to the model's own, the
/// `.h5ad` they are written to, and new molecules for the encoders that embed them.
final class PredictionRequestTests: XCTestCase {
    private func writeTable(_ rows: [[String]], in dir: URL, name: String = "conditions.tsv") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try DelimitedTable(header: ["dataset", "context", "compound", "dose_um", "time_h"], rows: rows).write(url)
        return url
    }

    /// The training data's conditions as a table: the same predictions as a direct model call, and on the
    /// validation rows the pooled RMSE that training recorded for the best checkpoint.
    func testTablePredictionsEqualTheModelsAndItsValidation() throws {
        let table = ModelTestData.table()
        for mode in OutputMode.allCases {
            let dir = try temporaryDirectory("predict\(mode)")
            let run = try ModelTestData.fit(ModelTestData.config(mode, epochs: 2), table, dir)
            let model = try Trainer.loadBest(runDirectory: dir)
            let rows = table.conditions.map { c in
                [
                    c.dataset, c.context, c.compounds[0], Condition.format(c.doseMicromolar),
                    Condition.format(c.timeHours),
                ]
            }
            let requests = try PredictionRequests.read(try writeTable(rows, in: dir), model: model)
            XCTAssertEqual(requests.conditions, table.conditions)
            let predicted = try requests.predict(model)  // in the model's (sorted) gene order
            let genes = model.vocabularies.genes
            XCTAssertEqual(Set(genes), Set(table.genes))
            let column = table.genes.map { genes.firstIndex(of: $0)! }
            let g = genes.count
            let reordered = table.conditions.indices.flatMap { r in column.map { predicted[r * g + $0] } }
            // Multi-output rows are the same batches: bit-identical. Scalar batches pair (row, gene) in the model's gene
            // order here, so GEMM blocking differs in the last float bits.
            let direct = try model.predict(table)
            let largest = zip(reordered, direct).map { abs($0 - $1) }.max() ?? .nan
            XCTAssertLessThanOrEqual(largest, mode == .multiout ? 0 : 1e-5, "\(mode)")

            let validation = ModelTestData.split(table).validation
            var sse = 0.0, n = 0
            for r in validation {
                for c in table.genes.indices where table.measured[r * g + c] {
                    let e = Double(reordered[r * g + c]) - Double(table.logFC[r * g + c])
                    sse += e * e
                    n += 1
                }
            }
            XCTAssertEqual(
                (sse / Double(n)).squareRoot(), try XCTUnwrap(run.bestValidationRMSE), accuracy: 1e-5, "\(mode)")

            let out = dir.appendingPathComponent("pred.h5ad")
            try requests.write(predicted, genes: genes, to: out)
            let reader = try H5ADReader(url: out)
            XCTAssertEqual(reader.var.index, genes)
            XCTAssertEqual(reader.obs.index, table.conditions.map(\.id))
            XCTAssertEqual(reader.obs.column("compound")?.stringValues(), table.conditions.map { $0.compounds[0] })
            XCTAssertEqual(reader.obs.column("dose_um")?.stringValues().first.flatMap(Double.init), 1)
            XCTAssertEqual(try reader.readDense(layer: nil).values, predicted)
        }
    }

    /// A SMILES outside the vocabulary: embedded by `morgan_fixed` and `fingerprint_mlp`, refused (naming the
    /// line) by a learned table; bad rows name their line and what is wrong.
    func testNewMoleculesAndBadRows() throws {
        let table = ModelTestData.table()
        let newRow = ["dA", "c1", "CCO", "10", "24"]
        for encoder in [CompoundEncoderKind.morganFixed, .fingerprintMLP] {
            let dir = try temporaryDirectory("new\(encoder.rawValue)")
            _ = try ModelTestData.fit(ModelTestData.config(.multiout, encoder: encoder, epochs: 1), table, dir)
            let model = try Trainer.loadBest(runDirectory: dir)
            let requests = try PredictionRequests.read(
                try writeTable([newRow, ["dA", "c1", "c1ccccc1O", "10", "24"]], in: dir), model: model)
            XCTAssertEqual(requests.conditions[0].compounds, ["LFQSCWFLJHTTHZ-UHFFFAOYSA-N"])
            XCTAssertEqual(requests.newCompounds.count, 2)
            let p = try requests.predict(model)
            let g = model.vocabularies.genes.count
            XCTAssertTrue(p.allSatisfy(\.isFinite), encoder.rawValue)
            XCTAssertNotEqual(
                Array(p[0..<g]), Array(p[g..<(2 * g)]), "\(encoder.rawValue): two molecules, two predictions")
        }
        let dir = try temporaryDirectory("learned")
        _ = try ModelTestData.fit(ModelTestData.config(.multiout, epochs: 1), table, dir)
        let model = try Trainer.loadBest(runDirectory: dir)
        let good = ["dA", "c1", "K0", "1", "24"]
        for (row, mentions) in [
            (newRow, ["line 3", "'CCO'", "not seen in training", "fingerprint_mlp"]),
            (["dZ", "c1", "K0", "1", "24"], ["line 3", "dataset 'dZ'"]),
            (["dA", "c9", "K0", "1", "24"], ["line 3", "context 'c9'"]),
            (["dA", "c1", "not a molecule(", "1", "24"], ["line 3", "'not a molecule('", "not a valid SMILES"]),
            (["dA", "c1", "K0", "ten", "24"], ["line 3", "dose_um 'ten'"]),
            (["dA", "c1", "K0", "1", "1e999"], ["line 3", "time_h '1e999'"]),
        ] {
            let url = try writeTable([good, row], in: dir)
            do {
                _ = try PredictionRequests.read(url, model: model)
                XCTFail("\(row) was accepted")
            } catch {
                for text in [url.path] + mentions {
                    XCTAssertTrue("\(error)".contains(text), "\(error) should mention \(text)")
                }
            }
        }
        let missing = dir.appendingPathComponent("no-time.tsv")
        try DelimitedTable(header: ["dataset", "context", "compound", "dose_um"], rows: [["dA", "c1", "K0", "1"]])
            .write(missing)
        XCTAssertThrowsError(try PredictionRequests.read(missing, model: model)) {
            XCTAssertTrue("\($0)".contains("time_h"), "\($0)")
        }
    }
}
