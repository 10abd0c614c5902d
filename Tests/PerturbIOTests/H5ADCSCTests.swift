import Foundation
import PerturbIO
import PerturbTestSupport
import XCTest

/// CSC matrices (`csc_matrix`, as scanpy writes X after some operations) written by anndata and read by us: the
/// whole matrix, row ranges, selected columns and a layer, each against the dense values Python printed.
final class H5ADCSCTests: XCTestCase {
    func testCSCWrittenByAnndataReadsAsItsDenseValues() throws {
        let url = try temporaryDirectory("csc").appendingPathComponent("csc.h5ad")
        let output = try Python.run(
            """
            import sys, json
            import numpy as np, pandas as pd, scipy.sparse as sp, anndata as ad
            rng = np.random.default_rng(5)
            x = rng.normal(0, 1, (7, 11)).astype(np.float32)
            x[rng.uniform(size=x.shape) < 0.6] = 0
            x[:, 4] = 0                                      # an empty column
            layer = (x * 3).astype(np.float32)
            a = ad.AnnData(X=sp.csc_matrix(x), obs=pd.DataFrame(index=[f"c{i}" for i in range(7)]),
                           var=pd.DataFrame(index=[f"g{j}" for j in range(11)]), layers={"tripled": sp.csc_matrix(layer)})
            a.write_h5ad(sys.argv[1])
            print(json.dumps({"x": x.ravel().tolist(), "stored": int(sp.csc_matrix(x).nnz)}))
            """, arguments: [url.path])
        let printed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let x = try XCTUnwrap(printed["x"] as? [Double]).map(Float.init)
        let reader = try H5ADReader(url: url)
        let description = try reader.describeMatrix(layer: nil)
        XCTAssertEqual(description.encoding, "csc_matrix")
        XCTAssertEqual(description.stored, (printed["stored"] as? NSNumber)?.intValue)

        XCTAssertEqual(try reader.readDense(layer: nil), DenseMatrix(rows: 7, cols: 11, values: x))
        XCTAssertEqual(try reader.readDense(layer: "tripled").values, x.map { $0 * 3 })
        // Row ranges: CSR storage of just those rows, and dense reads restricted to columns.
        guard case .csr(let rows) = try reader.readMatrix(layer: nil, rows: 2..<5) else {
            return XCTFail("a CSC matrix should be read into CSR form")
        }
        XCTAssertEqual(rows.toDense(), DenseMatrix(rows: 3, cols: 11, values: Array(x[22..<55])))
        let columns = [10, 0, 4]
        let picked = try reader.readDense(layer: nil, rows: 1..<7, columns: columns)
        XCTAssertEqual(picked.values, (1..<7).flatMap { r in columns.map { x[r * 11 + $0] } })
        XCTAssertEqual(try reader.readAll().X?.toDense().values, x)
    }
}
