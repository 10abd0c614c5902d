import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

/// `perturbridge score` against an independent NumPy/SciPy implementation of the OP3 metric definitions, on
/// `.h5ad` and Kaggle-CSV predictions, and as the re-scorer of `evaluate op3` runs.
final class ScoreCommandTests: XCTestCase {
    private let genes = ["G1", "G2", "G3", "G4", "G5", "G6"]
    private let cells = ["B cells", "B cells", "Myeloid cells", "Myeloid cells", "T cells"]
    private let names = ["drug a", "drug b; salt", "drug a", "drug c (x)", "drug b; salt"]

    /// Truth with ties, a constant row and one zero row; prediction with a NaN, a constant row and extra genes.
    private func writeFiles(in dir: URL) throws -> (truth: URL, prediction: URL, csv: URL, idMap: URL) {
        let truthValues: [[Float]] = [
            [1, 2, 2, -1, 0, 3], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [-2, 1, 0, 0, 4, 1.5],
            [0, 0, 0, 0, 0, 0], [3, -3, 1, 1, 2, -0.25],
        ]
        let predicted: [[Float]] = [
            [0.9, 2.2, 1.7, -0.4, 0.1, 2.5], [1, 0, 1, 0, 1, 0], [.nan, 0.5, 0.2, -0.1, 3, 1],
            [0.2, -0.1, 0.3, 0, 0.1, 0.4], [1, 1, 1, 1, 1, 1],
        ]
        var obs = DataFrame(index: (0..<5).map { "row\($0)" })
        obs.set("cell_type", .strings(cells))
        obs.set("sm_name", .strings(names))
        let truth = dir.appendingPathComponent("truth.h5ad")
        try H5ADWriter.write(
            AnnData(
                obs: obs, var: DataFrame(index: genes),
                layers: [
                    "clipped_sign_log10_pval": .dense(DenseMatrix(rows: 5, cols: 6, values: truthValues.flatMap { $0 }))
                ]),
            to: truth)
        // The prediction has its rows reversed, an extra gene and its genes in another order.
        let order = [4, 3, 2, 1, 0], predictedGenes = ["EXTRA"] + genes.reversed()
        var pobs = DataFrame(index: order.map { "row\($0)" })
        pobs.set("cell_type", .strings(order.map { cells[$0] }))
        pobs.set("sm_name", .strings(order.map { names[$0] }))
        let values = order.flatMap { r in [Float(9)] + predicted[r].reversed() }
        let prediction = dir.appendingPathComponent("prediction.h5ad")
        try H5ADWriter.write(
            AnnData(
                obs: pobs, var: DataFrame(index: predictedGenes),
                layers: ["prediction": .dense(DenseMatrix(rows: 5, cols: 7, values: values))]), to: prediction)
        let idMap = try CLIFixtures.write(
            "id,cell_type,sm_name\n"
                + order.enumerated().map { "\($0.offset),\(cells[$0.element]),\"\(names[$0.element])\"" }.joined(
                    separator: "\n") + "\n",
            to: "id_map.csv", in: dir)
        var csv = "id," + genes.joined(separator: ",") + "\n"
        for (id, r) in order.enumerated() {
            csv += "\(id)," + predicted[r].map { $0.isNaN ? "" : "\($0)" }.joined(separator: ",") + "\n"
        }
        return (truth, prediction, try CLIFixtures.write(csv, to: "submission.csv", in: dir), idMap)
    }

    private func metrics(_ stdout: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in stdout.split(separator: "\n") {
            let f = line.split(separator: "\t")
            if f.count == 2, let v = Double(f[1]) { out[String(f[0])] = v }
        }
        return out
    }

    func testScoreMatchesAnIndependentNumPyImplementation() throws {
        let dir = try temporaryDirectory()
        let files = try writeFiles(in: dir)
        let h5ad = try runOK([
            "score", "--prediction", files.prediction.path, "--truth", files.truth.path, "--output",
            dir.appendingPathComponent("s.tsv").path,
        ])
        let ours = metrics(h5ad.stdout)
        XCTAssertEqual(
            Set(ours.keys),
            [
                "mean_rowwise_rmse", "mean_rowwise_mae", "mean_rowwise_pearson", "mean_rowwise_spearman",
                "mean_rowwise_cosine",
            ])
        XCTAssertTrue(h5ad.stderr.contains("1 prediction values were NaN"), h5ad.transcript)
        let csv = try runOK([
            "score", "--prediction", files.csv.path, "--id-map", files.idMap.path, "--truth", files.truth.path,
        ])
        XCTAssertEqual(metrics(csv.stdout), ours, "CSV and h5ad predictions of the same values score the same")
        XCTAssertEqual(
            try String(contentsOf: dir.appendingPathComponent("s.tsv"), encoding: .utf8),
            "metric\tvalue\n" + h5ad.stdout)

        let text = try ReferenceTool.run([
            "python3", "-c",
            """
            import numpy as np, anndata
            from scipy.stats import rankdata
            t = anndata.read_h5ad('\(files.truth.path)'); p = anndata.read_h5ad('\(files.prediction.path)')
            Y = np.asarray(t.layers['clipped_sign_log10_pval'], dtype=np.float64)
            P = p[t.obs_names, t.var_names].layers['prediction'].astype(np.float64)
            P = np.nan_to_num(P, nan=0.0)
            def corr(a, b):
                a = a - a.mean(); b = b - b.mean(); d = np.sqrt((a * a).sum() * (b * b).sum())
                return 0.0 if d == 0 else float((a * b).sum() / d)
            def cos(a, b):
                d = np.linalg.norm(a) * np.linalg.norm(b)
                return 0.0 if d == 0 else float(a @ b / d)
            rows = range(Y.shape[0])
            print('mean_rowwise_rmse', np.mean([np.sqrt(np.mean((Y[i] - P[i]) ** 2)) for i in rows]))
            print('mean_rowwise_mae', np.mean([np.mean(np.abs(Y[i] - P[i])) for i in rows]))
            print('mean_rowwise_pearson', np.mean([corr(Y[i], P[i]) for i in rows]))
            print('mean_rowwise_spearman', np.mean([corr(rankdata(Y[i]), rankdata(P[i])) for i in rows]))
            print('mean_rowwise_cosine', np.mean([cos(Y[i], P[i]) for i in rows]))
            """,
        ])
        var reference: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            reference[String(f[0])] = Double(f[1])
        }
        XCTAssertEqual(Set(reference.keys), Set(ours.keys))
        for (id, value) in reference { XCTAssertEqual(ours[id]!, value, accuracy: 1e-9, id) }
    }

    func testScoreErrorsNameWhatIsMissing() throws {
        let dir = try temporaryDirectory()
        let files = try writeFiles(in: dir)
        var obs = DataFrame(index: ["row0"])
        obs.set("cell_type", .strings(["B cells"]))
        obs.set("sm_name", .strings(["drug a"]))
        let partial = dir.appendingPathComponent("partial.h5ad")
        try H5ADWriter.write(
            AnnData(
                obs: obs, var: DataFrame(index: ["G1", "G2"]),
                layers: ["prediction": .dense(DenseMatrix(rows: 1, cols: 2, values: [1, 2]))]), to: partial)
        try runUserError(
            ["score", "--prediction", partial.path, "--truth", files.truth.path],
            mentions: ["4 of the truth's 6 genes", "--genes intersection"])
        try runUserError(
            ["score", "--prediction", partial.path, "--truth", files.truth.path, "--genes", "intersection"],
            mentions: ["4 of the 5 rows", "B cells / drug b; salt"])
        try runUserError(
            ["score", "--prediction", files.csv.path, "--truth", files.truth.path], mentions: ["--id-map"])
        try runUserError(
            ["score", "--prediction", files.prediction.path, "--truth", files.truth.path, "--truth-layer", "nope"],
            mentions: ["nope", "clipped_sign_log10_pval"])
    }

    /// Every prediction `evaluate op3` writes re-scores to the per-seed values it reported.
    func testEvaluateOP3PredictionsRescoreToTheReportedValues() throws {
        let op3 = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad").path
        let out = try temporaryDirectory().appendingPathComponent("op3")
        try runOK(
            [
                "evaluate", "op3", "--effects", op3, "--layer", "logFC", "--features", "none", "--seeds", "0,1",
                "--epochs", "2", "--ensemble", "1", "--components", "4", "--hidden", "8", "--embedding-dim", "4",
                "--bootstrap", "20", "--output", out.path, "--quiet",
            ], timeout: 120)
        let seeds = try DelimitedTable.read(out.appendingPathComponent("op3_seeds.tsv"))
        for seed in ["0", "1"] {
            let score = try runOK([
                "score", "--prediction", out.appendingPathComponent("predictions/none_seed\(seed).h5ad").path,
                "--truth", out.appendingPathComponent("predictions/truth.h5ad").path,
            ])
            let scored = metrics(score.stdout)
            for (id, metric) in [
                ("mean_rowwise_rmse", "rmse"), ("mean_rowwise_spearman", "spearman"), ("mean_rowwise_cosine", "cosine"),
            ] {
                let reported = seeds.rows.first { $0[0] == "none" && $0[1] == seed && $0[2] == metric }.flatMap {
                    Double($0[3])
                }
                XCTAssertEqual(
                    try XCTUnwrap(scored[id], score.transcript), try XCTUnwrap(reported), accuracy: 1e-5,
                    "\(id) seed \(seed)")
            }
        }
    }
}
