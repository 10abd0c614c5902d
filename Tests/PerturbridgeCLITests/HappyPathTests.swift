import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

/// The main commands on tiny inputs: exit 0, the files they promise, and what they print.
final class HappyPathTests: XCTestCase {
    func testSimulateThenSplitAndInspect() throws {
        let sim = try CLIFixtures.simulated()
        for name in CLIFixtures.simulatedDatasets {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: sim.appendingPathComponent("\(name).h5ad").path),
                "simulate wrote no \(name).h5ad")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: sim.appendingPathComponent("compounds.tsv").path))
        let files = CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }

        let dir = try temporaryDirectory()
        let splitFile = dir.appendingPathComponent("split.tsv")
        let split = try runOK(
            ["split", "--effects"] + files + ["--kind", "molecule-holdout", "--seed", "13", "--output", splitFile.path])
        for name in CLIFixtures.simulatedDatasets { XCTAssertTrue(split.stdout.contains(name), split.transcript) }
        let text = try String(contentsOf: splitFile, encoding: .utf8)
        XCTAssertTrue(
            text.split(separator: "\n").first.map { $0.contains("molecule-holdout") && $0.contains("13") } ?? false,
            String(text.prefix(300)))
        XCTAssertTrue(text.contains("\ttrain") && text.contains("\ttest"), String(text.prefix(300)))
        // The same seed gives the same split.
        let again = dir.appendingPathComponent("again.tsv")
        try runOK(
            ["split", "--effects"] + files + ["--kind", "molecule-holdout", "--seed", "13", "--output", again.path])
        XCTAssertEqual(try String(contentsOf: again, encoding: .utf8), text)
        try runOK([
            "split", "--effects", files[2], "--kind", "op3", "--output", dir.appendingPathComponent("op3.tsv").path,
        ])

        let inspect = try runOK(["inspect", files[2]])
        XCTAssertTrue(inspect.stdout.contains("AnnData"), inspect.transcript)
        let reader = try H5ADReader(url: URL(fileURLWithPath: files[2]))
        XCTAssertTrue(
            inspect.stdout.contains("shape: \(reader.shape.rows) obs × \(reader.shape.cols) var"), inspect.transcript)
        for column in reader.obs.columnNames {
            XCTAssertTrue(inspect.stdout.contains(column), "inspect omits obs column \(column):\n\(inspect.stdout)")
        }
    }

    func testInspectRealL1000GCT() throws {
        let gct = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        let result = try runOK(["inspect", gct.path, "--values", "2"])
        XCTAssertTrue(result.stdout.contains("GCT text"), result.transcript)
        XCTAssertTrue(result.stdout.contains("shape: 978 rows (features) × 377 columns (samples)"), result.transcript)
        XCTAssertTrue(result.stdout.contains("pr_gene_symbol"), result.transcript)
    }

    func testInspectRealScanpyH5AD() throws {
        let h5ad = try Requirement.sharedFile("h5ad-scanpy-pbmc68k/pbmc68k_reduced.h5ad")
        let result = try runOK(["inspect", h5ad.path])
        XCTAssertTrue(result.stdout.contains("shape: 700 obs × 765 var"), result.transcript)
        XCTAssertTrue(result.stdout.contains("louvain") && result.stdout.contains("X_pca"), result.transcript)
    }

    func testFingerprintCSVToCSVAndH5AD() throws {
        let dir = try temporaryDirectory()
        let rows = CLIFixtures.drugs.map { "\($0.name)\t\($0.smiles)" }.joined(separator: "\n")
        let input = try CLIFixtures.write("name\tSMILES\n" + rows + "\n", to: "drugs.tsv", in: dir)
        let csv = dir.appendingPathComponent("fp.csv")
        let result = try runOK([
            "fingerprint", "--input", input.path, "--smiles-column", "SMILES", "--id-column", "name",
            "--radius", "2", "--bits", "128", "--output", csv.path, "--quiet",
        ])
        XCTAssertTrue(result.stdout.contains("4 valid, 0 invalid of 4 rows"), result.transcript)
        let table = try DelimitedTable.read(csv)
        XCTAssertEqual(try table.column("id"), CLIFixtures.drugs.map(\.name))
        XCTAssertEqual(try table.column("inchikey")[0], "BSYNRYMUTXBXSQ-UHFFFAOYSA-N")  // aspirin
        let bits = try table.column("on_bits").map { $0.split(separator: " ").compactMap { Int($0) } }
        XCTAssertTrue(
            bits.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0..<128).contains($0) } && $0 == $0.sorted() }, "\(bits)")

        let h5ad = dir.appendingPathComponent("fp.h5ad")
        try runOK([
            "fingerprint", "--input", input.path, "--smiles-column", "SMILES", "--id-column", "name",
            "--radius", "2", "--bits", "128", "--output", h5ad.path, "--quiet",
        ])
        let adata = try H5ADReader(url: h5ad).readAll()
        XCTAssertEqual(adata.shape.rows, 4)
        XCTAssertEqual(adata.shape.cols, 128)
        XCTAssertEqual(adata.obs.column("id")?.stringValues(), CLIFixtures.drugs.map(\.name))
        let x = try XCTUnwrap(adata.X).toDense()
        for row in 0..<4 {
            let onBits = (0..<128).filter { x[row, $0] != 0 }
            XCTAssertEqual(onBits, bits[row], "h5ad and CSV bits differ in row \(row)")
        }
        let viaInspect = try runOK(["inspect", h5ad.path])
        XCTAssertTrue(viaInspect.stdout.contains("fingerprint"), viaInspect.transcript)

        // SMILES from an .h5ad's obs; ids from the obs index.
        let deg = dir.appendingPathComponent("deg.h5ad")
        try CLIFixtures.writeDEG(deg, doses: ["1", "1"])
        let fromH5AD = dir.appendingPathComponent("from-h5ad.csv")
        try runOK([
            "fingerprint", "--input", deg.path, "--smiles-column", "canonical_smiles", "--bits", "128", "--output",
            fromH5AD.path, "--quiet",
        ])
        let rowsFromH5AD = try DelimitedTable.read(fromH5AD)
        XCTAssertEqual(try rowsFromH5AD.column("id"), ["contrast_0", "contrast_1"])
        XCTAssertEqual(try rowsFromH5AD.column("on_bits"), Array(try table.column("on_bits").prefix(2)))
    }

    func testEvaluateOP3OnDeTrainLayoutWithDerivedDefaultLayer() throws {
        let dir = try temporaryDirectory()
        let deTrain = dir.appendingPathComponent("de_train.h5ad")
        try CLIFixtures.writeOP3(deTrain)
        let out = dir.appendingPathComponent("op3")
        let result = try runOK(
            [
                "evaluate", "op3", "--effects", deTrain.path, "--features", "morgan,none", "--seeds", "0,1",
                "--epochs", "2", "--ensemble", "1", "--components", "2", "--hidden", "8", "--embedding-dim", "4",
                "--morgan-bits", "64", "--bootstrap", "20", "--output", out.path,
            ], timeout: 120)
        XCTAssertTrue(result.stdout.contains("| morgan |") && result.stdout.contains("| none |"), result.transcript)
        XCTAssertTrue(
            result.stderr.contains("de_train.h5ad") && result.stderr.contains("NaN"),
            "the skipped all-NaN row should be reported:\n\(result.transcript)")
        XCTAssertTrue(
            result.stderr.contains("clipped_sign_log10_pval") && result.stderr.contains("P.Value"),
            "the derivation of the default target layer should be stated:\n\(result.transcript)")
        let split = try String(contentsOf: out.appendingPathComponent("split.tsv"), encoding: .utf8)
        XCTAssertTrue(split.contains("test"), split)
        try checkOP3Summary(out, features: ["morgan", "none"], seeds: 2)
    }

    func testEffectsFromRealL1000Plate() throws {
        let gct = try Requirement.sharedFile("l1000-cmappy/test_l1000.gct")
        let names = try Requirement.sharedFile("l1000-lincs-metadata/pertinfo.tsv.gz")
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("a375.h5ad"), reps = dir.appendingPathComponent("reps.h5ad")
        let result = try runOK(
            [
                "effects", "--input", gct.path, "--smiles-map", names.path, "--dataset", "LINCS_A375",
                "--output", out.path, "--replicates", reps.path,
            ], timeout: 120)
        // The README tour's figures.
        XCTAssertTrue(result.stdout.contains("351 conditions × 978 genes"), result.transcript)
        XCTAssertTrue(
            result.stderr.contains(
                "read 377 rows, wrote 351 conditions, used 26 control samples, "
                    + "351 per-replicate rows, skipped 0"), result.transcript)
        XCTAssertEqual(try H5ADReader(url: reps).shape.rows, 351)
        let ingest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: out.path + ".ingest.json")))
        XCTAssertNotNil(ingest as? [String: Any], "the ingest report is a JSON object")
        // pertinfo's pubchem_cid column gives the compounds their CIDs.
        let cids = try XCTUnwrap(H5ADReader(url: out).obs.column("compound_cids")).stringValues()
        XCTAssertGreaterThan(
            cids.filter { Int($0) != nil }.count, cids.count / 2, "most LINCS compounds have a CID in pertinfo")
        let split = dir.appendingPathComponent("split.tsv")
        let splitResult = try runOK([
            "split", "--effects", out.path, "--kind", "scaffold", "--seed", "13",
            "--output", split.path,
        ])
        XCTAssertTrue(splitResult.stdout.contains("LINCS_A375\t279\t36\t36\t6\t6"), splitResult.transcript)
    }

    func testEvaluateOP3AtTinySize() throws {
        let op3 = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad").path
        let out = try temporaryDirectory().appendingPathComponent("op3")
        let result = try runOK(
            [
                "evaluate", "op3", "--effects", op3, "--layer", "logFC", "--features", "morgan,none", "--seeds", "0",
                "--epochs", "2", "--ensemble", "1", "--components", "4", "--hidden", "8", "--embedding-dim", "4",
                "--morgan-bits", "64", "--bootstrap", "20", "--output", out.path, "--quiet",
            ], timeout: 120)
        XCTAssertTrue(result.stdout.contains("morgan") && result.stdout.contains("none"), result.transcript)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("op3_summary.md").path))
        try checkOP3Summary(out, features: ["morgan", "none"], seeds: 1)
    }

    /// `--predictor reference` at a hundredth of the reference's epochs, with Morgan bits concatenated to the learned
    /// compound embedding: the report names the predictor and its settings.
    func testEvaluateOP3WithTheReferencePredictor() throws {
        let op3 = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad").path
        let out = try temporaryDirectory().appendingPathComponent("op3-reference")
        let result = try runOK(
            [
                "evaluate", "op3", "--effects", op3, "--layer", "logFC", "--features", "morgan",
                "--predictor", "reference", "--epochs-scale", "0.01", "--repetitions", "1",
                "--external-mode", "concat", "--seeds", "0", "--morgan-bits", "64", "--no-baselines",
                "--bootstrap", "20", "--output", out.path, "--quiet",
            ], timeout: 300)
        XCTAssertTrue(result.stdout.contains("| morgan |"), result.transcript)
        let md = try String(contentsOf: out.appendingPathComponent("op3_summary.md"), encoding: .utf8)
        XCTAssertTrue(
            md.contains("reference nn_retraining_with_pseudolabels") && md.contains("trainings per network 1")
                && md.contains("external vectors concat"), md)
    }

    func testEvaluateHoldoutWritesThePairedStatistics() throws {
        let sim = try CLIFixtures.simulated()
        let files = CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
        let dir = try temporaryDirectory()
        let config = dir.appendingPathComponent("lpm.json")
        try Data(
            #"{"output_mode": "multiout", "embedding_dim": 8, "hidden_width": 16, "batch_size": 64, "max_epochs": 2, "checkpoint_every": 1}"#
                .utf8
        )
        .write(to: config)
        let out = dir.appendingPathComponent("holdout")
        let result = try runOK(
            ["evaluate", "holdout", "--effects"] + files + [
                "--config", config.path,
                "--families", "scratch_target_only,finetune_frozen_molecule_embeddings", "--seeds", "13,17",
                "--datasets", "sim_op3", "--bootstrap-draws", "200", "--bootstrap-seed", "7", "--output", out.path,
                "--threads", "1", "--quiet",
            ], timeout: 300)
        XCTAssertTrue(result.stdout.contains("scratch_target_only"), result.transcript)
        let expected: [String: [String]] = [
            "holdout_units.tsv": ["family", "dataset", "molecule", "context", "log_dose", "time", "rmse", "n_seeds"],
            "holdout_paired_deltas.tsv": [
                "dataset", "baseline", "family", "n_units", "n_molecules", "delta", "ci_low", "ci_high", "ci_method",
                "nested_win_rate", "compound_win_rate", "welch_t", "welch_df", "welch_p", "holm_p",
            ],
            "holdout_wilcoxon.tsv": [
                "baseline", "family", "n_datasets", "wins", "mean_delta", "median_delta", "W", "p_greater",
                "p_two_sided",
                "method", "datasets",
            ],
        ]
        for (name, header) in expected {
            let table = try DelimitedTable.read(out.appendingPathComponent(name), delimiter: "\t")
            XCTAssertEqual(table.header, header, name)
            XCTAssertFalse(table.rows.isEmpty, "\(name) has no rows")
        }
        let units = try DelimitedTable.read(out.appendingPathComponent("holdout_units.tsv"), delimiter: "\t")
        XCTAssertTrue(units.rows.allSatisfy { $0[7] == "2" }, "every unit is averaged over the 2 seeds")
        let deltas = try DelimitedTable.read(out.appendingPathComponent("holdout_paired_deltas.tsv"), delimiter: "\t")
        XCTAssertEqual(deltas.rows.count, 1)
        let row = Dictionary(uniqueKeysWithValues: zip(deltas.header, deltas.rows[0]))
        XCTAssertEqual(row["dataset"], "sim_op3")
        XCTAssertEqual(row["family"], "finetune_frozen_molecule_embeddings")
        for column in ["delta", "nested_win_rate", "compound_win_rate", "welch_t", "welch_df", "welch_p", "holm_p"] {
            XCTAssertNotNil(Double(row[column] ?? ""), "\(column) = \(row[column] ?? "missing") is not a number")
        }
        XCTAssertEqual(row["welch_p"], row["holm_p"], "one dataset: Holm leaves the p-value as it is")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: out.appendingPathComponent("holdout_delta_forest.svg").path))
        let md = try String(contentsOf: out.appendingPathComponent("holdout_summary.md"), encoding: .utf8)
        XCTAssertTrue(
            md.contains("## Paired Δ test RMSE vs scratch_target_only") && md.contains("Wilcoxon signed-rank"), md)
        XCTAssertTrue(md.contains("(seed 7)"), "the bootstrap seed option reaches the report")
        try runUserError(
            [
                "evaluate", "holdout", "--effects", files[0], "--families", "scratch_target_only,morgan_fixed",
                "--baseline-family", "all_datasets", "--config", config.path, "--output",
                dir.appendingPathComponent("bad").path,
            ],
            mentions: ["--baseline-family", "all_datasets"])
    }
}
