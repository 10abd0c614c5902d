import ArgumentParser
import Foundation
import PerturbBase
import PerturbDistributed
import PerturbTensor

/// The `perturbridge` command: learning compound representations from perturbation transcriptomics.
@main
struct Perturbridge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perturbridge",
        abstract: "Learn compound representations from perturbation transcriptomics.",
        discussion: """
            Exit codes: 0 success; 1 user error (the message says what to fix); 2 internal error.
            """,
        version: Tool.version,
        subcommands: [
            Demo.self,
            Inspect.self,
            Fingerprint.self,
            Effects.self,
            Simulate.self,
            Split.self,
            Pretrain.self,
            Embed.self,
            Predict.self,
            Evaluate.self,
            Score.self,
            Agreement.self,
        ]
    )

    /// Runs the command, mapping errors to exit codes: bad usage or input → 1, internal errors → 2. After a success
    /// under mpirun, MPI is finalized (on error the process exits and mpirun ends the other ranks). Where OpenBLAS
    /// did not know the CPU and fell back to its generic kernels, the program first relaunches on fast ones.
    static func main() {
        BLASCore.relaunchIfGeneric()
        do {
            var command = try parseAsRoot()
            try requireSingleProcessUnlessDistributed(command)
            try command.run()
            Communicator.finalizeWorld()
        } catch let error as UserInputError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            switch exitCode(for: error) {
            case .success:
                exit(withError: error)  // --help, --version
            case .validationFailure:
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(1)
            default:
                FileHandle.standardError.write(Data("internal error: \(error)\n".utf8))
                Foundation.exit(2)
            }
        }
    }

    /// Under `mpirun` with several ranks, only the commands that spread their work over ranks may run: any other
    /// would run N times over the same files.
    static func requireSingleProcessUnlessDistributed(_ command: ParsableCommand) throws {
        guard Communicator.launchedByMPIRun, !(command is RunsOverRanks), try Communicator.world.size > 1 else {
            return
        }
        let name = type(of: command)._commandName
        throw InputError(
            "`\(name)` runs in one process; under mpirun (\(try Communicator.world.size) ranks) only `pretrain` and `evaluate holdout` spread their work over ranks — start it without mpirun"
        )
    }
}

/// A command that spreads its work over the ranks of `mpirun` (every other command refuses several ranks).
protocol RunsOverRanks {}
