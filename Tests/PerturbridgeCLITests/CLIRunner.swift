import Foundation
import XCTest

/// What one run of the `perturbridge` executable produced.
struct CLIResult {
    let arguments: [String]
    let status: Int32
    /// True when the process was ended by a signal (`status` is then the signal number).
    let signaled: Bool
    let stdout: String
    let stderr: String

    /// A one-paragraph account for assertion messages.
    var transcript: String {
        "perturbridge \(arguments.joined(separator: " ")) → \(signaled ? "signal" : "exit") \(status)\n--- stdout ---\n\(stdout.suffix(3000))\n--- stderr ---\n\(stderr.suffix(3000))"
    }
}

/// Runs the built `perturbridge` executable (the one beside the test bundle) as a child process.
enum CLI {
    /// The executable: `$PERTURBRIDGE_BIN`, or `perturbridge` in the build folder that holds the test bundle.
    static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["PERTURBRIDGE_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var folders = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("perturbridge")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("perturbridge executable not found beside the test bundle (looked in \(folders.map(\.path).joined(separator: ", "))); "
                      + "build it first (`swift build --build-tests`) or set PERTURBRIDGE_BIN")
    }

    /// Runs `perturbridge arguments…` (or `executable arguments…`, such as mpirun) in `directory` and waits for it,
    /// killing it after `timeout` seconds (a failure).
    static func run(_ arguments: [String], in directory: URL? = nil, executable: URL? = nil, timeout: TimeInterval = 60,
                    file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let child = try Child(arguments, in: directory, executable: executable)
        guard child.wait(timeout: timeout) else {
            child.kill()
            _ = child.wait(timeout: 10)
            XCTFail("perturbridge \(arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s", file: file, line: line)
            return child.result()
        }
        return child.result()
    }

    /// A started `perturbridge` (or `executable`) process whose output is collected in the background.
    final class Child {
        let arguments: [String]
        private let process = Process()
        private let stdoutPipe = Pipe(), stderrPipe = Pipe()
        private var stdoutData = Data(), stderrData = Data()
        private let readers = DispatchGroup()
        private let exited = DispatchSemaphore(value: 0)

        init(_ arguments: [String], in directory: URL? = nil, executable: URL? = nil) throws {
            self.arguments = arguments
            process.executableURL = try executable ?? CLI.executable()
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = directory }
            process.standardOutput = stdoutPipe
            process.standardError = stderrPipe
            process.standardInput = FileHandle.nullDevice
            process.terminationHandler = { [exited] _ in exited.signal() }
            try process.run()
            for (pipe, isOut) in [(stdoutPipe, true), (stderrPipe, false)] {
                readers.enter()
                DispatchQueue.global().async { [self] in
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    if isOut { stdoutData = data } else { stderrData = data }
                    readers.leave()
                }
            }
        }

        /// Waits for the process to end; false when it is still running after `timeout` seconds.
        func wait(timeout: TimeInterval) -> Bool {
            guard exited.wait(timeout: .now() + timeout) == .success else { return false }
            exited.signal()  // later waits return at once
            return readers.wait(timeout: .now() + 10) == .success
        }

        /// Ends the process at once (SIGKILL), as a crash or a power cut would.
        func kill() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }

        /// Exit status and output; call after `wait` returned true (or after `kill` and `wait`).
        func result() -> CLIResult {
            let status = process.isRunning ? -1 : process.terminationStatus
            let signaled = !process.isRunning && process.terminationReason == .uncaughtSignal
            return CLIResult(arguments: arguments, status: status, signaled: signaled,
                             stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
        }
    }
}

extension XCTestCase {
    /// A fresh folder removed after the test.
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perturbridge-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Runs the CLI and asserts exit status 0.
    @discardableResult
    func runOK(_ arguments: [String], timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let result = try CLI.run(arguments, timeout: timeout, file: file, line: line)
        XCTAssertEqual(result.status, 0, result.transcript, file: file, line: line)
        return result
    }

    /// Runs the CLI and asserts a user error: exit status 1 (never 2, the internal-error code), a message on stderr
    /// that contains every one of `mentions`, and no crash trace.
    @discardableResult
    func runUserError(_ arguments: [String], mentions: [String], timeout: TimeInterval = 60,
                      file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let result = try CLI.run(arguments, timeout: timeout, file: file, line: line)
        XCTAssertNotEqual(result.status, 2, "a user error was reported as an internal error:\n\(result.transcript)", file: file, line: line)
        XCTAssertEqual(result.status, 1, "expected exit 1 (user error):\n\(result.transcript)", file: file, line: line)
        for text in mentions {
            XCTAssertTrue(result.stderr.contains(text), "the message should mention '\(text)':\n\(result.transcript)", file: file, line: line)
        }
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Stack dump"), result.transcript, file: file, line: line)
        return result
    }
}

extension XCTestCase {
    /// Runs a reference tool through `/usr/bin/env` (`["python3", "-c", code]`, `["Rscript", "-e", script]`) in
    /// `directory` and returns its stdout. Skips the test when the tool, a Python module or an R package is missing;
    /// any other failure fails the test with the tool's stderr.
    func runReferenceTool(_ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = 120,
                          file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try CLI.run(arguments, in: directory, executable: URL(fileURLWithPath: "/usr/bin/env"), timeout: timeout,
                                 file: file, line: line)
        if result.status == 0 && !result.signaled { return result.stdout }
        if ["No such file or directory", "No module named", "there is no package called"].contains(where: result.stderr.contains) {
            throw XCTSkip("\(arguments.first ?? "tool") or one of its packages is not installed: \(result.stderr.suffix(300))")
        }
        XCTFail("\(arguments.first ?? "tool") failed (\(result.signaled ? "signal" : "exit") \(result.status)):\n\(result.stderr.suffix(3000))",
                file: file, line: line)
        return result.stdout
    }
}
