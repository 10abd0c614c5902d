import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbIO

/// Reads scanpy's real pbmc68k_reduced files (current and legacy layouts) and checks them against values
/// h5py reports for the same files.
final class H5ADFixtureTests: XCTestCase {
    private func fixture(_ name: String) throws -> URL { try Requirement.sharedFile("h5ad-scanpy-pbmc68k/\(name)") }

    func testModernFileReadsShapeObsVarAndMatrices() throws {
        let reader = try H5ADReader(url: try fixture("pbmc68k_reduced.h5ad"))
        XCTAssertFalse(reader.isLegacyLayout)
        XCTAssertEqual(reader.shape.rows, 700)
        XCTAssertEqual(reader.shape.cols, 765)
        XCTAssertEqual(reader.obs.index.first, "AAAGCCTGGCTAAC-1")
        XCTAssertEqual(reader.var.index.first, "HES4")
        guard case .categorical(let codes, let categories, let ordered)? = reader.obs.column("bulk_labels") else {
            return XCTFail("bulk_labels should be categorical")
        }
        XCTAssertEqual(codes.count, 700)
        XCTAssertEqual(categories.count, 10)
        XCTAssertFalse(ordered)
        guard case .int64(let genes)? = reader.obs.column("n_genes") else { return XCTFail("n_genes should be int64") }
        XCTAssertEqual(genes.count, 700)
        guard case .bools(let variable)? = reader.var.column("highly_variable") else {
            return XCTFail("highly_variable should be bool")
        }
        XCTAssertEqual(variable.count, 765)
        XCTAssertEqual(
            reader.obs.columnNames,
            ["bulk_labels", "n_genes", "percent_mito", "n_counts", "S_score", "G2M_score", "phase", "louvain"])

        let X = try reader.readDense(layer: nil)
        XCTAssertEqual(X.rows, 700)
        XCTAssertEqual(X.cols, 765)
        let slab = try reader.readDense(layer: nil, rows: 100..<110, columns: [5, 0, 764])
        for r in 0..<10 {
            XCTAssertEqual(slab[r, 0], X[100 + r, 5])
            XCTAssertEqual(slab[r, 1], X[100 + r, 0])
            XCTAssertEqual(slab[r, 2], X[100 + r, 764])
        }
        let byName = try reader.readDense(layer: nil, rows: 0..<3, genes: ["HES4", reader.var.index[10]])
        XCTAssertEqual(byName[2, 1], X[2, 10])

        let all = try reader.readAll()
        XCTAssertEqual(all.obsm["X_pca"]?.cols, 50)
        XCTAssertEqual(all.obsm["X_umap"]?.rows, 700)
        XCTAssertEqual(all.varm["PCs"]?.rows, 765)
        guard case .group(let neighbors)? = all.uns["neighbors"], case .group(let params)? = neighbors["params"] else {
            return XCTFail("uns/neighbors/params should be a nested group")
        }
        XCTAssertEqual(params["method"], .string("umap"))
        XCTAssertEqual(
            all.uns["bulk_labels_colors"].map { if case .strings(let s) = $0 { return s.count } else { return -1 } }, 10
        )
        XCTAssertTrue(reader.skippedElements.contains { $0.hasPrefix("/uns/rank_genes_groups/names") })
        let fresh = try H5ADReader(url: try fixture("pbmc68k_reduced.h5ad"))
        XCTAssertEqual(try fresh.readUns(), all.uns)
        XCTAssertEqual(fresh.skippedElements, reader.skippedElements)
    }

    func testModernAgreesWithPythonValues() throws {
        let url = try fixture("pbmc68k_reduced.h5ad")
        let script = """
            import h5py, sys
            f = h5py.File(sys.argv[1], 'r')
            X = f['X']
            print(repr(float(X[0, 0])), repr(float(X[699, 764])), repr(float(X[:].sum())))
            d = f['raw/X/data'][:]
            print(len(d), repr(float(d.sum())))
            print(f['obs/louvain/codes'][:5].tolist())
            """
        let output = try Python.run(script, arguments: [url.path])
        let lines = output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let reader = try H5ADReader(url: url)
        let X = try reader.readDense(layer: nil)
        XCTAssertEqual(Double(X[0, 0]), Double(lines[0][0])!, accuracy: 0)
        XCTAssertEqual(Double(X[699, 764]), Double(lines[0][1])!, accuracy: 0)
        XCTAssertEqual(X.values.reduce(0.0) { $0 + Double($1) }, Double(lines[0][2])!, accuracy: 1e-2)

        // raw/X is CSR: read through the matrix element API.
        let raw = try H5ADMatrixElement(in: reader.file, name: "raw/X")
        guard case .csr(let csr) = try raw.readStorage(rows: 0..<700) else { return XCTFail("raw/X should stay CSR") }
        XCTAssertEqual(csr.data.count, Int(lines[1][0]))
        XCTAssertEqual(csr.data.reduce(0.0) { $0 + Double($1) }, Double(lines[1][1])!, accuracy: 1)
        let rows = try raw.readStorage(rows: 10..<20)
        XCTAssertEqual(rows.toDense().values, Array(csr.toDense().values[(10 * 765)..<(20 * 765)]))
        guard case .categorical(let codes, _, _)? = reader.obs.column("louvain") else { return XCTFail() }
        XCTAssertEqual(
            codes.prefix(5).map { String($0) }.joined(separator: ", "),
            lines[2].joined(separator: " ").dropFirst().dropLast().description)
    }

    func testLegacyLayoutMatchesModernFile() throws {
        let modern = try H5ADReader(url: try fixture("pbmc68k_reduced.h5ad"))
        let legacy = try H5ADReader(url: try fixture("pbmc68k_reduced_legacy.h5ad"))
        XCTAssertTrue(legacy.isLegacyLayout)
        XCTAssertEqual(legacy.obs.index, modern.obs.index)
        XCTAssertEqual(legacy.var.index, modern.var.index)
        XCTAssertEqual(
            legacy.obs.column("bulk_labels")?.stringValues(), modern.obs.column("bulk_labels")?.stringValues())
        XCTAssertEqual(legacy.obs.column("n_genes"), modern.obs.column("n_genes"))
        XCTAssertEqual(legacy.var.column("highly_variable"), modern.var.column("highly_variable"))
        XCTAssertEqual(try legacy.readDense(layer: nil), try modern.readDense(layer: nil))
        let legacyAll = try legacy.readAll()
        let modernAll = try modern.readAll()
        XCTAssertEqual(legacyAll.obsm["X_pca"], modernAll.obsm["X_pca"])
        XCTAssertEqual(legacyAll.varm["PCs"]?.rows, 765)
    }
}
