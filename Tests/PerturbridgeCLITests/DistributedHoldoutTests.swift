import Foundation
import PerturbTestSupport
import XCTest

/// `mpirun -np 2 perturbridge evaluate holdout`: the independent runs are spread over the ranks and the tables and
/// checkpoints equal a single process's byte for byte; ranks that disagree write nothing; commands that do not
/// spread their work refuse several ranks. Skipped when `mpirun` (Open MPI's `openmpi-bin`) is not on PATH.
final class DistributedHoldoutTests: XCTestCase {
    override func setUpWithError() throws { _ = try mpirun() }

    /// Arguments of a small holdout on the simulator: 2 encoders × 2 seeds of all-datasets runs, fine-tune and
    /// scratch runs per target, the baselines; dropout on (each run is one process, so it stays exact).
    func holdoutArguments(in dir: URL, seeds: String = "13,17") throws -> [String] {
        let config = try CLIFixtures.write(
            """
            {"output_mode": "multiout", "compound_encoder": "learned", "embedding_dim": 8, "hidden_width": 16,
             "hidden_layers": 1, "dropout": 0.1, "batch_size": 32, "max_epochs": 2, "patience": 0, "seed": 5,
             "threads": 1, "mode": "all"}
            """, to: "holdout-tiny.json", in: dir
        ).path
        let sim = try CLIFixtures.simulated()
        let files = CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
        return ["evaluate", "holdout", "--effects"] + files + [
            "--config", config, "--families",
            "all_datasets,finetune_frozen_molecule_embeddings,scratch_target_only,morgan_fixed",
            "--seeds", seeds, "--bootstrap-draws", "200",
        ]
    }

    /// Paths of the regular files under `folder`, relative to it, sorted (TensorBoard logs, named by their start
    /// time, left out).
    func files(under folder: URL) throws -> [String] {
        let enumerator = try XCTUnwrap(
            FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]))
        var out: [String] = []
        for case let url as URL in enumerator
        where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true
            && !url.lastPathComponent.hasPrefix("events.out.tfevents.")
        {
            out.append(String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1)))
        }
        return out.sorted()
    }

    func testTwoRanksWriteTheTablesAndCheckpointsOfOneProcess() throws {
        let dir = try temporaryDirectory()
        let arguments = try holdoutArguments(in: dir)
        let serial = dir.appendingPathComponent("serial"), fanned = dir.appendingPathComponent("fanned")
        let one = try runOK(arguments + ["--output", serial.path], timeout: 300)
        let two = try mpi(2, arguments + ["--output", fanned.path], timeout: 300)
        XCTAssertEqual(two.status, 0, two.transcript)
        XCTAssertEqual(two.stdout, one.stdout, "only rank 0 prints the summary, and it is the serial one")
        // Both ranks trained: the all-datasets runs of seed 17 (jobs 2 and 4) and half the target runs are rank 1's.
        XCTAssertTrue(two.stderr.contains("holdout (rank 1/2): [2/"), two.transcript)
        XCTAssertTrue(two.stderr.contains("holdout (rank 0/2): [1/"), two.transcript)
        XCTAssertEqual(two.stderr.components(separatedBy: "evaluate holdout: done").count - 1, 1, two.transcript)

        let serialFiles = try files(under: serial), fannedFiles = try files(under: fanned)
        XCTAssertEqual(serialFiles, fannedFiles, "the same files, pruned checkpoints included")
        let compared = serialFiles.filter { [".tsv", ".md", ".svg", ".safetensors"].contains(where: $0.hasSuffix) }
        XCTAssertGreaterThan(compared.filter { $0.hasSuffix(".safetensors") }.count, 10)
        XCTAssertTrue(compared.contains("holdout_paired_deltas.tsv") && compared.contains("holdout_long.tsv"))
        for name in compared {
            let a = try Data(contentsOf: serial.appendingPathComponent(name)),
                b = try Data(contentsOf: fanned.appendingPathComponent(name))
            XCTAssertEqual(a, b, "\(name) differs between one process and two ranks")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fanned.appendingPathComponent(".rank-probe").path))
    }

    func testRanksThatDisagreeWriteNothingAndOtherCommandsRefuseSeveralRanks() throws {
        let dir = try temporaryDirectory()
        let output = dir.appendingPathComponent("holdout")
        let a = try holdoutArguments(in: dir, seeds: "13,17") + ["--output", output.path]
        let b = try holdoutArguments(in: dir, seeds: "13,19") + ["--output", output.path]
        let disagree = try mpi(2, [], ranks: [a, b], timeout: 120)
        XCTAssertEqual(disagree.status, 1, disagree.transcript)
        for text in [
            "rank 1 of 2 disagrees with rank 0 on the holdout", "seeds: rank 0 has 13,17, rank 1 has 13,19",
            "nothing was written",
        ] {
            XCTAssertTrue(
                disagree.stderr.contains(text), "the message should mention '\(text)':\n\(disagree.transcript)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "ranks that disagree must write nothing")

        let simulated = dir.appendingPathComponent("sim")
        let refused = try mpi(2, ["simulate", "--size", "small", "--output", simulated.path], timeout: 60)
        XCTAssertEqual(refused.status, 1, refused.transcript)
        XCTAssertTrue(
            refused.stderr.contains("`simulate` runs in one process; under mpirun (2 ranks)"), refused.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: simulated.path))
    }
}
