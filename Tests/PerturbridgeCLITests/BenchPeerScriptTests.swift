import Foundation
import PerturbTestSupport
import XCTest

/// The benches check their PyTorch peer script before any timed run: started outside the repository root (where the
/// default `bench/*_peer.py` paths point), they stop at once with the way out instead of after minutes of runs.
final class BenchPeerScriptTests: XCTestCase {
    func testMissingPeerScriptIsRefusedBeforeAnyRun() throws {
        let bench = try CLI.sibling("perturbridge-bench")
        let folder = try temporaryDirectory()
        let data = folder.appendingPathComponent("corpus")
        for arguments in [["cpb", "--fraction", "0.01", "--data", data.path], ["engine"], ["model"]] {
            let result = try CLI.run(arguments, in: folder, executable: bench, timeout: 60)
            XCTAssertNotEqual(result.status, 0, result.transcript)
            XCTAssertTrue(result.stderr.contains("does not exist"), result.transcript)
            XCTAssertTrue(result.stderr.contains("--no-peer"), result.transcript)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.path), "nothing is written before the check")
    }
}
