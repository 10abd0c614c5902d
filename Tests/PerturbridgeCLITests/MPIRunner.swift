import Foundation
import PerturbTestSupport
import XCTest

/// Runs the CLI under Open MPI's `mpirun` (`Requirement.missing` when it is not installed).
extension XCTestCase {
    /// `mpirun` on PATH, or `Requirement.missing` saying how to get it.
    func mpirun() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Requirement.missing(
            "mpirun not found on PATH (Debian: apt-get install openmpi-bin libopenmpi-dev); the data-parallel tests need it"
        )
    }

    /// `mpirun -np N perturbridge arguments…`; each element of `ranks` (MPMD) is one rank's arguments when given.
    func mpi(
        _ np: Int, _ arguments: [String], ranks: [[String]]? = nil, timeout: TimeInterval = 120
    ) throws -> ProcessResult {
        let launcher = try mpirun(), binary = try CLI.executable().path
        // No single-copy (CMA) shared memory: containers often forbid the ptrace it needs.
        var options = ["--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none"]
        if getuid() == 0 { options.insert("--allow-run-as-root", at: 0) }
        let programs = ranks.map { $0.map { ["-np", "1", binary] + $0 } } ?? [["-np", String(np), binary] + arguments]
        return try CLI.run(options + programs.joined(separator: [":"]), executable: launcher, timeout: timeout)
    }
}
