import Foundation
import XCTest

/// What one run of a child process produced.
public struct ProcessResult {
    public let arguments: [String]
    public let status: Int32
    /// True when the process was ended by a signal (`status` is then the signal number).
    public let signaled: Bool
    public let stdout: String
    public let stderr: String

    /// A one-paragraph account for assertion messages.
    public var transcript: String {
        "\(arguments.joined(separator: " ")) → \(signaled ? "signal" : "exit") \(status)\n"
            + "--- stdout ---\n\(stdout.suffix(3000))\n--- stderr ---\n\(stderr.suffix(3000))"
    }
}

/// A started child process whose stdout and stderr are collected in the background (both at once, so a child that
/// fills one pipe while the test reads the other cannot hang).
public final class Subprocess {
    public let arguments: [String]
    private let process = Process()
    private let stdoutPipe = Pipe(), stderrPipe = Pipe()
    private var stdoutData = Data(), stderrData = Data()
    private let readers = DispatchGroup()
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `executable arguments…` in `directory` (default: the current one), with `input` on stdin (default:
    /// none) and `environment` added to this process's.
    public init(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, input: Data? = nil,
        environment: [String: String] = [:]
    ) throws {
        self.arguments = [executable.lastPathComponent] + arguments
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
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
        if let stdin, let input {
            DispatchQueue.global().async {
                stdin.fileHandleForWriting.write(input)
                try? stdin.fileHandleForWriting.close()
            }
        }
    }

    /// Waits for the process to end; false when it is still running after `timeout` seconds.
    public func wait(timeout: TimeInterval) -> Bool {
        guard exited.wait(timeout: .now() + timeout) == .success else { return false }
        exited.signal()  // later waits return at once
        return readers.wait(timeout: .now() + 10) == .success
    }

    /// Ends the process at once (SIGKILL), as a crash or a power cut would.
    public func kill() { signal(SIGKILL) }

    /// Sends `number` to the process while it runs (SIGSTOP pauses it where it is, SIGCONT lets it go on).
    public func signal(_ number: Int32) { if process.isRunning { Foundation.kill(process.processIdentifier, number) } }

    /// Exit status and output; call after `wait` returned true (or after `kill` and `wait`).
    public func result() -> ProcessResult {
        let status = process.isRunning ? -1 : process.terminationStatus
        let signaled = !process.isRunning && process.terminationReason == .uncaughtSignal
        return ProcessResult(
            arguments: arguments, status: status, signaled: signaled,
            stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Runs `executable arguments…` to the end, killing it after `timeout` seconds (a test failure).
    public static func run(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, input: Data? = nil,
        environment: [String: String] = [:], timeout: TimeInterval = 60,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProcessResult {
        let child = try Subprocess(executable, arguments, in: directory, input: input, environment: environment)
        guard child.wait(timeout: timeout) else {
            child.kill()
            _ = child.wait(timeout: 10)
            XCTFail(
                "\(child.arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s", file: file, line: line)
            return child.result()
        }
        return child.result()
    }
}
