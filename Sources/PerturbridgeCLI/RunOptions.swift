import ArgumentParser
import PerturbBase

/// Options every long-running command shares: worker threads and whether progress goes to stderr.
struct RunOptions: ParsableArguments {
    @Option(help: "Threads (0 = all cores).") var threads = 0
    @Flag(help: "No progress on stderr.") var quiet = false

    /// The thread count to use (`threads`, or every core for 0).
    var resolvedThreads: Int { threads > 0 ? threads : Parallel.threadCount }
    /// Whether to report progress.
    var progress: Bool { !quiet }

    func validate() throws {
        guard threads >= 0 else { throw ValidationError("--threads must be ≥ 0, got \(threads)") }
    }
}
