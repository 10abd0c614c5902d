import Foundation
import PerturbTestSupport
import XCTest

@testable import PerturbIO

/// Our writer → Python anndata, and Python anndata → our reader, comparing every value through a JSON dump
/// that Python makes of the AnnData object it wrote or read.
final class AnnDataPythonRoundTripTests: XCTestCase {
    /// Python function `dump(adata)` → JSON-able dict of every value we compare.
    static let dumpFunction = """
        import anndata as ad, json, sys, numpy as np, pandas as pd, scipy.sparse as sp
        def r(x):
            return repr(float(x))
        def dense(m):
            return [[r(x) for x in row] for row in (m.toarray() if sp.issparse(m) else np.asarray(m)).astype(np.float64).tolist()]
        def col(s):
            if isinstance(s.dtype, pd.CategoricalDtype):
                return {'kind': 'cat', 'codes': s.cat.codes.astype(int).tolist(), 'categories': [str(c) for c in s.cat.categories], 'ordered': bool(s.cat.ordered)}
            if str(s.dtype) in ('Int64', 'Int32', 'Int16', 'Int8'):
                return {'kind': 'nint', 'values': [None if pd.isna(v) else int(v) for v in s]}
            if str(s.dtype) == 'boolean':
                return {'kind': 'nbool', 'values': [None if pd.isna(v) else bool(v) for v in s]}
            if s.dtype == bool:
                return {'kind': 'bool', 'values': [bool(v) for v in s]}
            if s.dtype.kind in 'iu':
                return {'kind': 'int', 'values': [int(v) for v in s]}
            if s.dtype.kind == 'f':
                return {'kind': 'float', 'values': [None if np.isnan(v) else r(v) for v in s]}
            return {'kind': 'str', 'values': [str(v) for v in s]}
        def frame(df):
            return {'index': [str(i) for i in df.index], 'columns': [[c, col(df[c])] for c in df.columns]}
        def uns(v):
            if isinstance(v, dict): return {'group': {k: uns(x) for k, x in v.items()}}
            if isinstance(v, str): return {'string': v}
            if isinstance(v, (bool, np.bool_)): return {'bool': bool(v)}
            if isinstance(v, (int, np.integer)): return {'int': int(v)}
            if isinstance(v, (float, np.floating)): return {'double': r(v)}
            a = np.asarray(v)
            if a.dtype.kind in 'OUS': return {'strings': [str(x) for x in a.tolist()]}
            return {'doubles': [r(x) for x in a.astype(np.float64).tolist()]}
        def dump(a):
            return {'X': None if a.X is None else dense(a.X), 'X_sparse': sp.issparse(a.X),
                    'layers': {k: [dense(v), sp.issparse(v)] for k, v in a.layers.items()},
                    'obs': frame(a.obs), 'var': frame(a.var),
                    'obsm': {k: dense(v) for k, v in a.obsm.items()}, 'varm': {k: dense(v) for k, v in a.varm.items()},
                    'uns': {k: uns(v) for k, v in a.uns.items()}}
        """

    private func temporaryURL(_ name: String) throws -> URL {
        try temporaryDirectory("perturbio").appendingPathComponent(name)
    }

    static func sample() -> AnnData {
        var obs = DataFrame(index: ["cell-a", "cell-b", "cell-ç", "cell-d", "cell-e"])
        obs.set("compound", .strings(["DMSO", "vorinostat", "µ-dose", "", "trametinib"]))
        obs.set("dose", .float64([0, 10, 3.33, .nan, 0.04]))
        obs.set("replicate", .int64([1, 2, 3, -4, 5_000_000_000]))
        obs.set("is_control", .bools([true, false, false, true, false]))
        obs.set("cell_type", .categorical(codes: [0, 1, -1, 1, 0], categories: ["A375", "PC3"], ordered: true))
        obs.set("batch", .categorical(codes: [2, 0, 1, 2, 0], categories: ["b1", "b2", "b3"], ordered: false))
        obs.set("plate_count", .nullableInt(values: [4, 0, 7, 8, 0], mask: [false, true, false, false, true]))
        obs.set(
            "passed_qc",
            .nullableBool(values: [true, false, false, true, false], mask: [false, false, true, false, false]))
        var genes = DataFrame(index: ["TP53", "MYC", "EGFR", "HDAC1"])
        genes.set("landmark", .bools([true, true, false, true]))
        genes.set("symbol", .strings(["tp53", "myc", "egfr", "hdac1"]))
        let x = DenseMatrix(rows: 5, cols: 4, values: (0..<20).map { Float($0) * 0.37 - 2.5 })
        var sparse = DenseMatrix(rows: 5, cols: 4)
        sparse[0, 1] = 1.5; sparse[2, 3] = -7.25; sparse[4, 0] = 1e-8; sparse[4, 3] = 3
        let uns: [String: UnsValue] = [
            "title": .string("PerturBridge test"), "seed": .int(42), "alpha": .double(0.25), "flag": .bool(true),
            "colors": .strings(["#ff0000", "#00ff00"]), "weights": .doubles([0.5, 1.5, -2]),
            "params": .group(["method": .string("mean"), "nested": .group(["k": .int(3)])]),
        ]
        return AnnData(
            X: .dense(x), obs: obs, var: genes, layers: ["counts": .csr(CSRMatrix(dense: sparse))],
            obsm: ["X_pca": DenseMatrix(rows: 5, cols: 2, values: (0..<10).map { Float($0) / 3 })],
            varm: ["loadings": DenseMatrix(rows: 4, cols: 3, values: (0..<12).map { Float($0) * -0.5 })], uns: uns)
    }

    func testOurWriterReadByAnndata() throws {
        for compression in [H5Compression.gzip(level: 4), .none] {
            let url = try temporaryURL("ours.h5ad")
            defer { try? FileManager.default.removeItem(at: url) }
            let adata = Self.sample()
            try H5ADWriter.write(adata, to: url, compression: compression)
            let script = Self.dumpFunction + "\nprint(json.dumps(dump(ad.read_h5ad(sys.argv[1]))))\n"
            let output = try Python.run(script, arguments: [url.path])
            try AnnDataComparison.assertEqual(adata, pythonJSON: output)
            // Our own reader gives back the same values too.
            let back = try H5ADReader(url: url).readAll()
            XCTAssertTrue(AnnDataComparison.framesEqual(back.obs, adata.obs))
            XCTAssertTrue(AnnDataComparison.framesEqual(back.var, adata.var))
            XCTAssertEqual(back.X, adata.X)
            XCTAssertEqual(back.layers, adata.layers)
            XCTAssertEqual(back.obsm, adata.obsm)
            XCTAssertEqual(back.uns, adata.uns)
        }
    }

    func testDenseWrittenAsCSRWhenAsked() throws {
        let url = try temporaryURL("csr.h5ad")
        defer { try? FileManager.default.removeItem(at: url) }
        var adata = Self.sample()
        adata.layers = [:]
        try H5ADWriter.write(adata, to: url, compression: .none, sparseAsCSR: true)
        let reader = try H5ADReader(url: url)
        guard case .csr(let csr) = try reader.readMatrix(layer: nil) else {
            return XCTFail("X should be stored as CSR")
        }
        XCTAssertEqual(csr.toDense(), adata.X?.toDense())
        XCTAssertEqual(try reader.describeMatrix(layer: nil).encoding, "csr_matrix")
    }

    func testAnndataWrittenFileReadByUs() throws {
        let url = try temporaryURL("python.h5ad")
        defer { try? FileManager.default.removeItem(at: url) }
        let script =
            Self.dumpFunction + """

                rng = np.random.default_rng(7)
                n, g = 12, 6
                X = rng.normal(size=(n, g)).astype(np.float32)
                counts = sp.random(n, g, density=0.4, random_state=3, format='csr', dtype=np.float64)
                obs = pd.DataFrame(index=[f'obs{i}' for i in range(n)])
                obs['name'] = [f'cmpd-{i % 4}' for i in range(n)]
                obs['name'] = obs['name'].astype(object)
                obs['group'] = pd.Categorical(['a', 'b', 'c', None] * 3, categories=['c', 'b', 'a'])
                obs['level'] = pd.Categorical(['low', 'high'] * 6, categories=['low', 'high'], ordered=True)
                obs['ok'] = np.array([True, False] * 6)
                obs['value'] = rng.normal(size=n)
                obs['n'] = np.arange(n, dtype=np.int64) * 7
                obs['maybe'] = pd.array([1, None, 3, 4, None, 6, 7, 8, 9, 10, 11, 12], dtype='Int64')
                obs['flag'] = pd.array([True, None, False] * 4, dtype='boolean')
                var = pd.DataFrame(index=[f'G{j}' for j in range(g)])
                var['score'] = np.linspace(0, 1, g).astype(np.float32)
                a = ad.AnnData(X=X, obs=obs, var=var, layers={'counts': counts, 'dense': X * 2},
                               obsm={'X_umap': rng.normal(size=(n, 2))}, varm={'PCs': rng.normal(size=(g, 3)).astype(np.float32)},
                               uns={'method': 'wilcoxon', 'k': 15, 'ratio': 0.5, 'names': np.array(['x', 'y']),
                                    'vec': np.array([1.0, 2.5]), 'nested': {'deep': {'v': 'w'}, 'on': True}})
                a.write_h5ad(sys.argv[1], compression='gzip')
                print(json.dumps(dump(a)))
                """
        let output = try Python.run(script, arguments: [url.path])
        let reader = try H5ADReader(url: url)
        let adata = try reader.readAll()
        try AnnDataComparison.assertEqual(adata, pythonJSON: output)
        guard case .csr? = adata.layers["counts"] else { return XCTFail("layers/counts should be read as CSR") }
        // Row-range reads agree with the full read, for dense and CSR.
        let full = try reader.readDense(layer: "counts")
        let part = try reader.readDense(layer: "counts", rows: 3..<9, columns: [5, 1])
        for r in 0..<6 {
            XCTAssertEqual(part[r, 0], full[3 + r, 5])
            XCTAssertEqual(part[r, 1], full[3 + r, 1])
        }
        XCTAssertEqual(
            try reader.readDense(layer: "dense", rows: 11..<12).values,
            Array(try reader.readDense(layer: "dense").values[66...]))
    }
}
