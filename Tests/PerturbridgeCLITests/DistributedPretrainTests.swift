import Foundation
import PerturbBase
import PerturbNN
import PerturbTensor
import PerturbTestSupport
import XCTest

/// `mpirun -np 2 perturbridge pretrain`: two ranks with global batch B train like one process with batch B; a run
/// resumes bit-identically with as many ranks and only with them; ranks that disagree, or more ranks than batch
/// rows, fail with nothing written. Skipped when `mpirun` (Open MPI's `openmpi-bin`) is not on PATH.
final class DistributedPretrainTests: XCTestCase {
    /// Two ranks vs one process: each gradient is the same sum of per-row terms, added in another order (each rank
    /// sums its half, the allreduce adds the halves), so gradients differ by float32 rounding (~1e-7 relative) and
    /// Adam's steps, at most ~lr = 2e-3 each, by as little; after 18 steps the measured weight difference is
    /// 1.2e-7 and the metrics differ by 2e-8 relative. The tolerances (weights 1e-5 absolute, metrics 1e-5 relative) sit far above that and far below what a
    /// real fault gives: a rank skipping the allreduce or training the wrong rows moves weights by ~lr per step.
    static let weightTolerance: Float = 1e-5
    static let metricTolerance = 1e-5

    override func setUpWithError() throws { _ = try mpirun() }  // skip before simulating when mpirun is absent

    /// A tiny multi-output config, dropout as given (0 for the exactness test: each rank draws its own masks).
    func writeConfig(in dir: URL, dropout: Double) throws -> String {
        try CLIFixtures.write(
            """
            {"output_mode": "multiout", "compound_encoder": "learned", "embedding_dim": 8, "hidden_width": 16,
             "hidden_layers": 1, "dropout": \(dropout), "batch_size": 32, "max_epochs": 3, "patience": 0, "seed": 5,
             "threads": 1, "checkpoint_every": 1, "mode": "all"}
            """, to: "tiny-dropout-\(dropout).json", in: dir
        ).path
    }

    func simulatedFiles() throws -> [String] {
        let sim = try CLIFixtures.simulated()
        return CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
    }

    /// Lines of `metrics.jsonl` as dictionaries.
    func metrics(_ run: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func parameters(_ file: URL) throws -> [String: Tensor] {
        try SafeTensors.read(file).tensors.filter { $0.key.hasPrefix("param/") }
    }

    func assertClose(_ a: Double?, _ b: Double?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let a, let b else {
            return XCTFail(
                "\(what): missing (\(String(describing: a)) vs \(String(describing: b)))", file: file, line: line)
        }
        XCTAssertLessThanOrEqual(
            abs(a - b), Self.metricTolerance * max(1, abs(a)), "\(what): \(a) vs \(b)", file: file, line: line)
    }

    func testTwoRanksTrainLikeOneProcessWithTheSameGlobalBatch() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir, dropout: 0)
        let files = try simulatedFiles()
        let one = dir.appendingPathComponent("one"), two = dir.appendingPathComponent("two")
        try runOK(
            ["pretrain", "--config", config, "--effects"] + files + ["--output", one.path, "--quiet"], timeout: 120)
        let result = try mpi(2, ["pretrain", "--config", config, "--effects"] + files + ["--output", two.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        // Only rank 0 reports and writes.
        XCTAssertEqual(
            result.stdout.split(separator: "\n").filter { $0.hasPrefix("run\t") }.count, 1, result.transcript)
        XCTAssertEqual(result.stderr.components(separatedBy: "pretrain epoch 1: ").count - 1, 1, result.transcript)
        let runFiles = try FileManager.default.contentsOfDirectory(atPath: two.path)
        XCTAssertEqual(
            runFiles.filter { $0.hasPrefix("events.out.tfevents.") }.count, 1, "one TensorBoard event file: \(runFiles)"
        )
        XCTAssertEqual(
            try Data(contentsOf: one.appendingPathComponent("split.tsv")),
            try Data(contentsOf: two.appendingPathComponent("split.tsv")))

        let m1 = try metrics(one), m2 = try metrics(two)
        XCTAssertEqual(m1.count, 3)
        XCTAssertEqual(m2.count, m1.count)
        for (a, b) in zip(m1, m2) {
            let epoch = a["epoch"] as? Int ?? -1
            XCTAssertEqual(a["step"] as? Int, b["step"] as? Int, "epoch \(epoch): steps")
            XCTAssertEqual(a["trainRows"] as? Int, b["trainRows"] as? Int, "epoch \(epoch): rows")
            assertClose(a["trainRMSE"] as? Double, b["trainRMSE"] as? Double, "epoch \(epoch) train RMSE")
            let va = a["validation"] as? [String: Any] ?? [:], vb = b["validation"] as? [String: Any] ?? [:]
            XCTAssertEqual(va["count"] as? Int, vb["count"] as? Int, "epoch \(epoch): validation count")
            assertClose(va["rmse"] as? Double, vb["rmse"] as? Double, "epoch \(epoch) validation RMSE")
            assertClose(va["pearson"] as? Double, vb["pearson"] as? Double, "epoch \(epoch) validation Pearson")
            let da = va["perDatasetRMSE"] as? [String: Double] ?? [:],
                db = vb["perDatasetRMSE"] as? [String: Double] ?? [:]
            XCTAssertEqual(Set(da.keys), Set(db.keys))
            XCTAssertEqual(da.count, CLIFixtures.simulatedDatasets.count)
            for (dataset, rmse) in da { assertClose(rmse, db[dataset], "epoch \(epoch) validation RMSE of \(dataset)") }
            // The two ranks' shares of the epoch add up to its rows, about half each.
            let shares = try XCTUnwrap(b["rowsPerRank"] as? [Int], "metrics.jsonl of a 2-rank run lists rowsPerRank")
            XCTAssertEqual(shares.count, 2)
            XCTAssertEqual(shares.reduce(0, +), b["trainRows"] as? Int)
            XCTAssertLessThanOrEqual(abs(shares[0] - shares[1]), b["step"] as? Int ?? 0)
            XCTAssertNil(a["rowsPerRank"], "a single process's metrics carry no rowsPerRank")
        }
        let record = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: two.appendingPathComponent("run.json")))
                as? [String: Any])
        XCTAssertEqual(record["worldSize"] as? Int, 2)
        XCTAssertEqual((record["rowsPerRank"] as? [[Int]])?.count, 3)
        let single = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: one.appendingPathComponent("run.json")))
                as? [String: Any])
        XCTAssertEqual(single["worldSize"] as? Int, 1)

        // Final weights (and the best checkpoint's) agree within float tolerance.
        for name in ["last.safetensors", "best.safetensors"] {
            let w1 = try parameters(one.appendingPathComponent(name)),
                w2 = try parameters(two.appendingPathComponent(name))
            XCTAssertEqual(Set(w1.keys), Set(w2.keys))
            XCTAssertGreaterThan(w1.count, 5)
            var largest: Float = 0
            for (key, a) in w1 {
                let x = a.scalars, y = try XCTUnwrap(w2[key]).scalars
                XCTAssertEqual(x.count, y.count, key)
                for i in x.indices { largest = max(largest, abs(x[i] - y[i])) }
            }
            XCTAssertLessThanOrEqual(
                largest, Self.weightTolerance, "\(name): largest weight difference between 1 and 2 ranks")
        }
    }

    func testTwoRankRunResumesBitIdenticallyAndOnlyWithTwoRanks() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir, dropout: 0.1)  // per-rank dropout streams must be saved and restored
        let files = try simulatedFiles()
        let resumed = dir.appendingPathComponent("resumed"), straight = dir.appendingPathComponent("straight")
        let base = ["pretrain", "--config", config, "--effects"] + files + ["--quiet"]
        var result = try mpi(2, base + ["--output", resumed.path, "--epochs", "1"])
        XCTAssertEqual(result.status, 0, result.transcript)
        result = try mpi(2, base + ["--output", resumed.path, "--epochs", "3", "--resume"])
        XCTAssertEqual(result.status, 0, result.transcript)
        result = try mpi(2, base + ["--output", straight.path, "--epochs", "3"])
        XCTAssertEqual(result.status, 0, result.transcript)
        for name in ["last.safetensors", "best.safetensors"] {
            XCTAssertEqual(
                try Data(contentsOf: resumed.appendingPathComponent(name)),
                try Data(contentsOf: straight.appendingPathComponent(name)),
                "\(name) of the resumed 2-rank run differs from the uninterrupted one")
        }
        // A 2-rank run resumes only with 2 ranks: one process is refused, naming both counts, and writes nothing.
        let before = try Data(contentsOf: resumed.appendingPathComponent("last.safetensors"))
        try runUserError(
            base + ["--output", resumed.path, "--epochs", "4", "--resume"],
            mentions: [
                resumed.appendingPathComponent("last.safetensors").path, "2 processes", "mpirun -np 2",
                "this start has 1",
            ])
        XCTAssertEqual(try Data(contentsOf: resumed.appendingPathComponent("last.safetensors")), before)
    }

    func testRanksThatDisagreeOrOutnumberTheBatchFailBeforeWriting() throws {
        let dir = try temporaryDirectory()
        let config = try writeConfig(in: dir, dropout: 0)
        let files = try simulatedFiles()
        let run = dir.appendingPathComponent("run")
        let base = ["pretrain", "--config", config, "--effects"] + files + ["--output", run.path, "--quiet"]
        let disagree = try mpi(2, [], ranks: [base + ["--epochs", "2"], base + ["--epochs", "3"]])
        XCTAssertEqual(disagree.status, 1, disagree.transcript)
        for text in [
            "rank 1 of 2 disagrees with rank 0", "config max_epochs: rank 0 has 2, rank 1 has 3", "nothing was written",
        ] {
            XCTAssertTrue(
                disagree.stderr.contains(text), "the message should mention '\(text)':\n\(disagree.transcript)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path), "ranks that disagree must write nothing")

        let files2 = Array(files.prefix(2))
        let otherFiles = try mpi(
            2, [],
            ranks: [base, ["pretrain", "--config", config, "--effects"] + files2 + ["--output", run.path, "--quiet"]])
        XCTAssertEqual(otherFiles.status, 1, otherFiles.transcript)
        XCTAssertTrue(otherFiles.stderr.contains("effects files: rank 0 has 3, rank 1 has 2"), otherFiles.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))

        let tooMany = try mpi(2, base + ["--batch-size", "1"])
        XCTAssertEqual(tooMany.status, 1, tooMany.transcript)
        XCTAssertTrue(tooMany.stderr.contains("batch_size 1 is smaller than the 2 ranks"), tooMany.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))
    }
}
