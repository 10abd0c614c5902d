import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

/// Damaged copies of real inputs (see `FileMutator`) never crash or hang the readers: every `inspect` (and, for
/// some, `effects`) run exits 0 or 1 with an `error:` message naming the file — never a signal, never exit 2
/// (internal error), never past the timeout. Fixed seeds, so a failure names a case that can be replayed.
final class HostileInputTests: XCTestCase {
    /// Seconds one damaged case may run; the readers' own stall budget (below) is far shorter.
    private let caseTimeout: TimeInterval = 30

    override func setUp() {
        super.setUp()
        // Children inherit this: a libhdf5 call that spins on damaged metadata is stopped after 2 CPU seconds.
        setenv("PERTURBRIDGE_HDF5_CPU_SECONDS", "2", 1)
    }

    override func tearDown() {
        unsetenv("PERTURBRIDGE_HDF5_CPU_SECONDS")
        super.tearDown()
    }

    func testDamagedSimulatorOutput() throws {
        let file = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad")
        try checkVariants(of: file, count: 120, seed: 18, effectsEvery: 6)
    }

    func testDamagedScanpyH5AD() throws {
        try checkVariants(
            of: try shared("h5ad-scanpy-pbmc68k/pbmc68k_reduced.h5ad"), count: 50, seed: 18, effectsEvery: 0)
        try checkVariants(
            of: try shared("h5ad-scanpy-pbmc68k/pbmc68k_reduced_legacy.h5ad"), count: 25, seed: 18, effectsEvery: 0)
    }

    func testDamagedGCTX() throws {
        try checkVariants(of: try shared("l1000-cmapr/modzs_n25x50.gctx"), count: 60, seed: 18, effectsEvery: 5)
        try checkVariants(
            of: try shared("l1000-cmappy/mini_gctoo_for_testing.gctx"), count: 30, seed: 18, effectsEvery: 0)
    }

    func testDamagedGCTText() throws {
        try checkVariants(of: try shared("l1000-cmappy/test_p100.gct"), count: 25, seed: 18, effectsEvery: 0)
    }

    private func shared(_ path: String) throws -> URL { try Requirement.sharedFile(path) }

    /// Writes `count` damaged copies of `original` and checks `inspect` on each (and `effects` on every
    /// `effectsEvery`-th; 0 for none).
    private func checkVariants(of original: URL, count: Int, seed: UInt64, effectsEvery: Int) throws {
        let dir = try temporaryDirectory()
        let mutator = FileMutator(original: [UInt8](try Data(contentsOf: original)))
        for index in 0..<count {
            let (bytes, damage) = mutator.variant(seed: seed, index: index)
            let path = dir.appendingPathComponent("case\(index).\(original.pathExtension)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var commands = [["inspect", path]]
            if effectsEvery > 0 && index % effectsEvery == 0 {
                commands.append(["effects", "--input", path, "--output", dir.appendingPathComponent("out.h5ad").path])
            }
            for arguments in commands {
                let result = try CLI.run(arguments, timeout: caseTimeout)
                let context =
                    "\(original.lastPathComponent) case \(index) (seed \(seed), \(damage)):\n\(result.transcript)"
                XCTAssertFalse(result.signaled, "crashed: \(context)")
                XCTAssertTrue(result.status == 0 || result.status == 1, "exit status must be 0 or 1: \(context)")
                if result.status == 1 && !result.signaled {
                    XCTAssertTrue(
                        result.stderr.contains("error: \(path)"),
                        "exit 1 must come with a message naming the file: \(context)")
                }
            }
            try FileManager.default.removeItem(atPath: path)
        }
    }
}
