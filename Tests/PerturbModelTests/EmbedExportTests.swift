import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

@testable import PerturbModel

final class EmbedExportTests: XCTestCase {
    /// Embeddings written as .h5ad read back with PerturbIO (and Python anndata when present) and as CSV.
    func testEmbeddingsRoundTripThroughH5ADAndCSV() throws {
        let dir = try temporaryDirectory()
        let table = ModelTestData.table()
        _ = try ModelTestData.fit(ModelTestData.config(.multiout, encoder: .fingerprintMLP, epochs: 1), table, dir)
        let model = try Trainer.loadBest(runDirectory: dir)
        var embeddings = CompoundEmbeddingTable(model: model)
        try embeddings.append(smiles: ["CCO"], model: model)
        XCTAssertEqual(embeddings.count, 9)
        XCTAssertEqual(embeddings.keys.last, "LFQSCWFLJHTTHZ-UHFFFAOYSA-N")
        let h5ad = dir.appendingPathComponent("emb.h5ad")
        try embeddings.write(to: h5ad)
        let reader = try H5ADReader(url: h5ad)
        XCTAssertEqual(reader.shape.rows, 9)
        XCTAssertEqual(reader.shape.cols, 8)
        XCTAssertEqual(reader.obs.index, embeddings.keys)
        XCTAssertEqual(reader.obs.column("datasets_seen")?.stringValues().first, "dA|dB")
        XCTAssertEqual(try reader.readDense(layer: nil).values, embeddings.matrix)
        let csv = dir.appendingPathComponent("emb.csv")
        try embeddings.write(to: csv)
        let parsed = try DelimitedTable.read(csv)
        XCTAssertEqual(parsed.rows.count, 9)
        XCTAssertEqual(Float(parsed.rows[2][5]), embeddings.matrix[2 * 8])

        let text = try Python.run(
            """
            import sys
            import anndata
            a = anndata.read_h5ad(sys.argv[1])
            print(a.shape[0], a.shape[1], a.obs["canonical_smiles"].iloc[-1], round(float(a.X[0, 0]), 5))
            """, arguments: [h5ad.path])
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        XCTAssertEqual(Array(fields.prefix(3)), ["9", "8", "CCO"])
        XCTAssertEqual(Double(fields.last ?? "") ?? .nan, Double(embeddings.matrix[0]), accuracy: 1e-4)
    }
}
