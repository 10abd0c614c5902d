import Foundation
import PerturbBase
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbEval

/// The OP3 protocol on an OP3 `de_train`-layout `.h5ad` written by anndata (obs cell_type, sm_name, SMILES;
/// layers logFC and clipped_sign_log10_pval): the file path, the chosen layer and Morgan features end to end.
final class ProtocolOP3FileTests: XCTestCase {
    static let writer = """
        import sys, numpy as np, pandas as pd, anndata
        smiles = ["CCO", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
                  "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "c1ccc2ccccc2c1", "OC(=O)c1ccccc1", "CCN(CC)CC"]
        cells = ["B cells", "Myeloid cells", "NK cells", "T cells"]
        rng = np.random.default_rng(0)
        rows = [(c, "drug%d" % i, s) for i, s in enumerate(smiles) for c in cells]
        obs = pd.DataFrame({"cell_type": pd.Categorical([r[0] for r in rows]), "sm_name": pd.Categorical([r[1] for r in rows]),
                            "SMILES": [r[2] for r in rows], "control": False},
                           index=["%s, %s" % (r[0], r[1]) for r in rows])
        logfc = rng.normal(size=(len(rows), 20)).astype(np.float32)
        p = rng.uniform(1e-6, 1, size=logfc.shape)
        clipped = (np.sign(logfc) * -np.log10(np.maximum(1e-4, p))).astype(np.float32)
        a = anndata.AnnData(X=None, obs=obs, var=pd.DataFrame(index=["G%d" % j for j in range(20)]),
                            layers={"logFC": logfc, "clipped_sign_log10_pval": clipped})
        a.write_h5ad(sys.argv[1])
        np.savetxt(sys.argv[2], clipped, fmt="%.9g")
        """

    func testOP3FileWithClippedLayerAndMorganFeatures() throws {
        let dir = try temporaryDirectory("op3-file")
        let file = dir.appendingPathComponent("de_train.h5ad"), expected = dir.appendingPathComponent("clipped.txt")
        _ = try Python.run(Self.writer, arguments: [file.path, expected.path])

        let table = try EffectsLoading.read([file])
        let task = try OP3Task.make(from: table, layer: TargetLayer.defaultName, file: file.path)
        XCTAssertEqual(task.rowCount, 32)
        XCTAssertEqual(task.genes.count, 20)
        XCTAssertEqual(task.cellTypes, ["B cells", "Myeloid cells", "NK cells", "T cells"])
        let reference = try String(contentsOf: expected, encoding: .utf8).split(whereSeparator: \.isWhitespace).map {
            Float($0)!
        }
        XCTAssertEqual(task.targets.count, reference.count)
        for (a, b) in zip(task.targets, reference) { XCTAssertEqual(a, b, accuracy: 1e-6) }

        var options = ProtocolOP3Tests.tinyOptions()
        options.layer = TargetLayer.defaultName
        options.features = [("morgan", .morgan(.init(radius: 1, bits: 2000))), ("none", .none)]
        let result = try OP3Protocol.run(effects: table, file: file.path, options: options)
        XCTAssertEqual(result.split.molecules(in: SplitAssignment.test).count, 2)  // floor(0.25 · 8)
        XCTAssertEqual(result.testRows.count, 8)
        XCTAssertEqual(
            result.features.map(\.name), ["morgan", "none", "baseline_mean", "baseline_zero", "baseline_knn"])
        XCTAssertEqual(result.features.map(\.covered), [8, nil, nil, nil, nil])
        XCTAssertTrue(result.results.allSatisfy { $0.scores.mean(.rmse).isFinite })
    }

    /// An embedding file as `perturbridge embed` writes it: rows matched by key or canonical SMILES; a row no
    /// training data touched (`datasets_seen` empty) is treated as missing.
    func testEmbeddingFileMatchingAndUntrainedRows() throws {
        let dir = try temporaryDirectory("op3-emb")
        let file = dir.appendingPathComponent("emb.h5ad")
        _ = try Python.run(
            """
            import sys, numpy as np, pandas as pd, anndata
            obs = pd.DataFrame({"canonical_smiles": ["CCO", "c1ccccc1", "CCN"], "datasets_seen": ["a|b", "a", ""]},
                               index=["KEY-A", "KEY-B", "KEY-C"])
            anndata.AnnData(X=np.arange(6, dtype=np.float32).reshape(3, 2), obs=obs).write_h5ad(sys.argv[1])
            """, arguments: [file.path])
        let compounds = [
            "KEY-A": Compound(key: "KEY-A", canonicalSmiles: "", aliases: []),
            "OTHER": Compound(key: "OTHER", canonicalSmiles: "c1ccccc1", aliases: []),
            "KEY-C": Compound(key: "KEY-C", canonicalSmiles: "CCN", aliases: []),
            "NONE": Compound(key: "NONE", canonicalSmiles: "CCCC", aliases: []),
        ]
        let m = try CompoundFeatureSource.file(file).matrix(
            name: "lpm", compounds: ["KEY-A", "OTHER", "KEY-C", "NONE"], table: compounds)!
        XCTAssertEqual(m.dim, 2)
        XCTAssertEqual(m.available, [true, true, false, false])
        XCTAssertEqual(m.values, [0, 1, 2, 3, 0, 0, 0, 0])
    }
}
