import Foundation
import PerturbTestSupport
import XCTest

/// The in-process fuzz harness (`perturbridge-fuzz`, which `scripts/fuzz-inprocess.sh` runs for 10,000 cases per
/// reader) at a small fixed size: seeded damaged inputs of every reader a user can point at a file give exit 0 or 1
/// with a message — never a signal, a hang, exit 2 or an empty message. Same seed, same cases.
final class InProcessFuzzTests: XCTestCase {
    override func setUp() {
        super.setUp()
        setenv("PERTURBRIDGE_HDF5_CPU_SECONDS", "2", 1)  // children stop a spinning libhdf5 call sooner
    }

    override func tearDown() {
        unsetenv("PERTURBRIDGE_HDF5_CPU_SECONDS")
        super.tearDown()
    }

    func testEveryReaderSurvivesDamagedInputs() throws {
        let fuzz = try CLI.sibling("perturbridge-fuzz")
        let dir = try temporaryDirectory()
        let fixtures = dir.appendingPathComponent("fixtures")
        try FileManager.default.createDirectory(at: fixtures, withIntermediateDirectories: true)
        let sim = try CLIFixtures.simulated()
        try FileManager.default.createSymbolicLink(at: fixtures.appendingPathComponent("sim"), withDestinationURL: sim)
        let effects = ["sim_l1000", "sim_op3"].map { sim.appendingPathComponent("\($0).h5ad").path }
        let split = fixtures.appendingPathComponent("split.tsv").path
        try runOK(["split", "--effects"] + effects + ["--kind", "molecule-holdout", "--output", split])
        let config = try CLIFixtures.write(
            """
            {"embedding_dim": 8, "hidden_width": 16, "hidden_layers": 1, "batch_size": 64, "max_epochs": 2,
             "threads": 1, "limit_train_batches": 2, "shuffle_buffer_mb": 8, "seed": 3}
            """, to: "tiny.json", in: dir)
        let run = fixtures.appendingPathComponent("run").path
        try runOK(
            ["pretrain", "--config", config.path, "--effects"] + effects + ["--output", run, "--quiet"],
            timeout: 120)
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let configs = repository.appendingPathComponent("experiments/pretrain").path
        let result = try CLI.run(
            [
                "run", "--fixtures", fixtures.path, "--configs", configs, "--cases", "60",
                "--seed", "18", "--keep", dir.appendingPathComponent("failures").path, "--quiet",
            ],
            executable: fuzz, timeout: 900)
        XCTAssertEqual(result.status, 0, result.transcript)
        let readers = [
            "h5ad", "effects", "gctx", "gct", "checkpoint", "resume", "split", "config", "manifest",
            "signatures", "compounds",
        ]
        for reader in readers {
            let row = result.stdout.split(separator: "\n").first { $0.hasPrefix(reader + " ") }
            XCTAssertEqual(
                row.map { $0.split(separator: " ")[1] }, "60",
                "\(reader) did not run its 60 cases:\n\(result.stdout)")
        }
    }
}
