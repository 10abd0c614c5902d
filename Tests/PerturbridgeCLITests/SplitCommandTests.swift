import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

/// `perturbridge split` at the reference's definitions: condition tables, the published split, NumPy's OP3 draw.
final class SplitCommandTests: XCTestCase {
    /// Runs `python3 -c code` with numpy and anndata imported, or skips.
    private func python(_ code: String) throws -> String {
        try ReferenceTool.run(["python3", "-c", "import numpy, anndata\n" + code]).trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// `--kind op3 --seed 42` holds out what `np.random.seed(42); np.random.choice(unique, int(0.25 n), replace=False)`
    /// draws from the compounds in first-appearance order.
    func testOP3DrawEqualsNumPyChoice() throws {
        let sim = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad")
        let out = try temporaryDirectory().appendingPathComponent("op3.tsv")
        try runOK(["split", "--effects", sim.path, "--kind", "op3", "--seed", "42", "--output", out.path])
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").dropFirst(2).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false)
        }
        let test = Set(lines.filter { $0[4] == "test" }.map { String($0[3]) })
        let expected = try python(
            """
            import numpy as np, pandas as pd
            a = anndata.read_h5ad('\(sim.path)')
            keys = pd.Series([k for k in a.obs['compounds'] if k]).unique()
            np.random.seed(42)
            print('\\n'.join(sorted(np.random.choice(keys, int(0.25 * len(keys)), replace=False))))
            """)
        XCTAssertFalse(test.isEmpty)
        XCTAssertEqual(test.sorted(), expected.split(separator: "\n").map(String.init))
    }

    /// A condition table is written back with the same rows and only its split column replaced; `--kind published`
    /// places what it can, lists the rest with reasons and leaves them out.
    func testConditionTableAndPublishedSplit() throws {
        let dir = try temporaryDirectory()
        let header = "dataset\tcontext\tperturbation\tlog_dose\ttime\tsplit\n"
        var rows: [String] = []
        for m in 0..<60 {
            for d in ["A", "B"] where d == "A" || m % 2 == 0 { rows.append("\(d)\tctx\t\(1000 + m)\t0.5\t24\ttrain\n") }
        }
        let table = try CLIFixtures.write(header + rows.joined(), to: "conditions.tsv", in: dir)
        let resplit = dir.appendingPathComponent("resplit.tsv")
        let result = try runOK([
            "split", "--conditions", table.path, "--kind", "molecule-holdout", "--seed", "13", "--output", resplit.path,
        ])
        XCTAssertTrue(result.stdout.contains("A\t"), result.transcript)
        let back = try String(contentsOf: resplit, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(back.count, rows.count + 1)
        let original = (header + rows.joined()).split(separator: "\n").map(String.init)
        for (a, b) in zip(original, back) {
            XCTAssertEqual(a.split(separator: "\t").prefix(5), b.split(separator: "\t").prefix(5))
        }
        let fields = back.dropFirst().map { $0.split(separator: "\t") }
        for dataset in ["A", "B"] {
            let splits = fields.filter { $0[0] == dataset }.map { $0[5] }
            XCTAssertEqual(splits.filter { $0 == "val" }.count, 3, "10 % of \(dataset)'s 30 shared molecules")
            XCTAssertEqual(splits.filter { $0 == "test" }.count, 3)
        }

        // The resplit table as the published split for another table: one unknown dataset, one unknown dose.
        let other = try CLIFixtures.write(
            header + rows.prefix(10).joined() + "C\tctx\t1000\t0.5\t24\ttrain\nA\tctx\t1001\t0.7\t24\ttrain\n",
            to: "other.tsv", in: dir)
        let applied = dir.appendingPathComponent("applied.tsv")
        let published = try runOK([
            "split", "--conditions", other.path, "--kind", "published", "--from", resplit.path, "--output",
            applied.path,
        ])
        XCTAssertTrue(published.stderr.contains("2 conditions not in the published split"), published.transcript)
        let unplaced = try String(contentsOf: URL(fileURLWithPath: applied.path + ".unplaced.tsv"), encoding: .utf8)
        XCTAssertTrue(
            unplaced.contains("dataset not in the published split")
                && unplaced.contains("no published condition at this dose"), unplaced)
        let appliedRows = try String(contentsOf: applied, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(appliedRows[1...10]), Array(back[1...10]))

        try runUserError(
            ["split", "--conditions", table.path, "--kind", "published", "--output", applied.path], mentions: ["--from"]
        )
        try runUserError(
            ["split", "--conditions", table.path, "--effects", "x.h5ad", "--kind", "random", "--output", applied.path],
            mentions: ["either --effects"])
        try runUserError(
            ["split", "--conditions", table.path, "--kind", "op3", "--seed", "4294967296", "--output", applied.path],
            mentions: ["2^32"])
    }

    /// CIDs from a DEG file's `pubchem_cid` travel into the effects file, and `--kind published` with a held-out
    /// molecule list places its conditions by (dataset, CID).
    func testEffectsKeepCIDsAndPublishedMoleculeListPlacesThem() throws {
        let dir = try temporaryDirectory()
        let deg = dir.appendingPathComponent("deg.h5ad")
        try CLIFixtures.writeDEG(deg, doses: ["1", "10", "1", "10", "1", "10", "1", "10"])
        let effects = dir.appendingPathComponent("effects.h5ad")
        try runOK(["effects", "--input", deg.path, "--format", "cpb-deg", "--output", effects.path])
        let reader = try H5ADReader(url: effects)
        let cids = try XCTUnwrap(reader.obs.column("compound_cids")).stringValues()
        XCTAssertEqual(Set(cids), ["1000", "1001", "1002", "1003"])
        let list = try CLIFixtures.write(
            "dataset\tsplit\tmolecule\ndeg_test\ttest\t1001\ndeg_test\tval\t1003\n", to: "held.tsv", in: dir)
        let out = dir.appendingPathComponent("split.tsv")
        try runOK([
            "split", "--effects", effects.path, "--kind", "published", "--from", list.path, "--output", out.path,
        ])
        let rows = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").dropFirst(2).map {
            $0.split(separator: "\t")
        }
        XCTAssertEqual(rows.count, cids.count)
        let ids = reader.obs.index
        for (row, cid) in zip(rows, cids) {
            XCTAssertTrue(ids.contains(String(row[0])), "entries keep the effects file's condition ids")
            XCTAssertEqual(String(row[4]), cid == "1001" ? "test" : cid == "1003" ? "val" : "train")
        }
    }
}

extension SplitCommandTests {
    /// `evaluate holdout --split-file` evaluates on the given split (here a molecule split of a subset of the
    /// conditions): the conditions it lists keep their split, the others are left out.
    func testHoldoutUsesAGivenSplitFile() throws {
        let sim = try CLIFixtures.simulated()
        let files = ["sim_l1000", "sim_op3"].map { sim.appendingPathComponent("\($0).h5ad").path }
        let dir = try temporaryDirectory()
        let splitFile = dir.appendingPathComponent("split.tsv")
        try runOK(
            ["split", "--effects"] + files + [
                "--kind", "molecule-holdout-global", "--seed", "3", "--val-fraction", "0.2",
                "--test-fraction", "0.2", "--output", splitFile.path,
            ])
        // Drop the first ten conditions from the split file: they must be left out of the evaluation.
        var lines = try String(contentsOf: splitFile, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        ).map(String.init)
        let dropped = lines[2..<12].map { String($0.split(separator: "\t")[0]) }
        lines.removeSubrange(2..<12)
        try lines.joined(separator: "\n").write(to: splitFile, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("lpm.json")
        try Data(
            #"{"output_mode": "multiout", "embedding_dim": 8, "hidden_width": 16, "batch_size": 64, "max_epochs": 1, "checkpoint_every": 1}"#
                .utf8
        )
        .write(to: config)
        let out = dir.appendingPathComponent("holdout")
        let published = try Requirement.sharedPathIfPresent(
            "reference/chem-perturbridge-lpm/paper10_results_summary.tsv")
        let paperArguments = published.map { ["--compare-paper", $0.path] } ?? []
        let result = try runOK(
            ["evaluate", "holdout", "--effects"] + files + [
                "--config", config.path, "--split-file", splitFile.path,
                "--families", "scratch_target_only", "--seeds", "13", "--datasets", "sim_op3", "--output", out.path,
                "--threads", "1",
            ] + paperArguments, timeout: 300)
        XCTAssertTrue(result.stderr.contains("10 conditions are not in --split-file"), result.transcript)
        // The paper-layout table, and its comparison with the published one when that is present.
        let paper = try DelimitedTable.read(out.appendingPathComponent("holdout_paper10.tsv"), delimiter: "\t")
        XCTAssertEqual(
            Array(paper.header.prefix(4)), ["dataset_slug", "dataset", "all_val_rmse_mean", "all_val_rmse_std"])
        XCTAssertEqual(paper.header.count, 2 + 8 * 8)
        let row = Dictionary(
            uniqueKeysWithValues: zip(paper.header, try XCTUnwrap(paper.rows.first { $0[1] == "sim_op3" })))
        XCTAssertTrue(row["scratch_target_only_test_rmse_mean_std"]?.hasSuffix("(n=1)") == true, "\(row)")
        XCTAssertEqual(row["all_test_rmse_mean_std"], "NA")
        if !paperArguments.isEmpty {
            let comparison = try String(contentsOf: out.appendingPathComponent("holdout_vs_paper.md"), encoding: .utf8)
            XCTAssertTrue(comparison.contains("No dataset and family in common"), comparison)
        }
        let used = try String(contentsOf: out.appendingPathComponent("split.tsv"), encoding: .utf8).split(
            separator: "\n"
        ).dropFirst(2)
        let given = lines.dropFirst(2).filter { !$0.isEmpty }
        XCTAssertEqual(
            used.map { $0.split(separator: "\t")[0] + "|" + $0.split(separator: "\t")[4] }.sorted(),
            given.map { $0.split(separator: "\t")[0] + "|" + $0.split(separator: "\t")[4] }.sorted())
        XCTAssertTrue(used.allSatisfy { line in !dropped.contains(String(line.split(separator: "\t")[0])) })
    }
}

extension SplitCommandTests {
    /// A target whose every molecule is held out has nothing to train a target-only family on: those runs are skipped
    /// with a message (NA in the tables) instead of ending the protocol.
    func testHoldoutSkipsTargetOnlyRunsWithoutTrainingConditions() throws {
        let sim = try CLIFixtures.simulated()
        let files = ["sim_l1000", "sim_op3"].map { sim.appendingPathComponent("\($0).h5ad").path }
        let dir = try temporaryDirectory()
        let splitFile = dir.appendingPathComponent("split.tsv")
        try runOK(["split", "--effects"] + files + ["--kind", "random", "--seed", "3", "--output", splitFile.path])
        let lines = try String(contentsOf: splitFile, encoding: .utf8).split(separator: "\n").map(String.init)
        let rewritten =
            lines.prefix(2)
            + lines.dropFirst(2).map { line -> String in
                var f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if f[1] == "sim_op3" { f[4] = f[2] == "B cells" ? "test" : "val" }
                return f.joined(separator: "\t")
            }
        try (rewritten.joined(separator: "\n") + "\n").write(to: splitFile, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("lpm.json")
        try Data(
            #"{"output_mode": "multiout", "embedding_dim": 8, "hidden_width": 16, "batch_size": 64, "max_epochs": 1, "checkpoint_every": 1}"#
                .utf8
        )
        .write(to: config)
        let out = dir.appendingPathComponent("holdout")
        let result = try runOK(
            ["evaluate", "holdout", "--effects"] + files + [
                "--config", config.path, "--split-file", splitFile.path,
                "--families", "scratch_target_only,all_datasets", "--seeds", "13", "--datasets", "sim_op3",
                "--output", out.path, "--threads", "1",
            ], timeout: 300)
        XCTAssertTrue(
            result.stderr.contains("sim_op3: no training conditions after the split")
                && result.stderr.contains("skipped scratch_target_only"),
            result.transcript)
        let paper = try String(contentsOf: out.appendingPathComponent("holdout_paper10.md"), encoding: .utf8)
        XCTAssertTrue(paper.contains("sim_op3"), paper)
    }
}
