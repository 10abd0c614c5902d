import ArgumentParser
import Foundation
import PerturbBase

/// The options of the benches whose peer is a PyTorch script: the interpreter and whether to run it.
struct PyTorchPeerOptions: ParsableArguments {
    @Option(help: "Python with PyTorch for the peer.") var python = "python3"
    @Flag(name: .customLong("no-peer"), help: "Skip the PyTorch peer.") var skipPeer = false

    var runPeer: Bool { !skipPeer }

    /// Checks, before any timed run, that the peer script exists when the peer will run: the benches' defaults
    /// are paths relative to the repository root.
    func requireScript(_ script: String) throws {
        guard runPeer, !FileManager.default.fileExists(atPath: script) else { return }
        throw ValidationError(
            "the PyTorch peer script \(script) does not exist (from \(FileManager.default.currentDirectoryPath)); run from the repository root, pass --peer PATH, or --no-peer to skip it"
        )
    }
}

/// Runs a benchmark's Python peer (`python script arguments…`, OMP threads pinned) and decodes the one JSON object
/// it prints on stdout, with its `rows_per_s`; a failure is a user error naming the bench, the script and the exit status.
enum PeerProcess {
    static func run(
        bench: String, python: String, script: String, arguments: [String], threads: Int
    ) throws
        -> (json: [String: Any], rowsPerSecond: Double)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "\(threads)"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let rate = json["rows_per_s"] as? Double
        else {
            throw InputError(
                "\(bench) bench: the PyTorch peer \(script) failed (exit \(process.terminationStatus)); "
                    + "is torch installed for \(python)? Use --no-peer to skip it")
        }
        return (json, rate)
    }
}
