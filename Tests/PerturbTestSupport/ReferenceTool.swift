import Foundation
import XCTest

/// Runs the independent oracles — Python (numpy, scipy, h5py, anndata, safetensors, tensorboard, RDKit) and R
/// (limma, edgeR) — as child processes. A missing interpreter, module or package goes through `Requirement.missing`
/// (a skip locally, a failure under CI); any other failure of the tool throws `ToolFailure` with its stderr.
public enum ReferenceTool {
    /// Runs `arguments` (`["python3", "-c", code]`, `["Rscript", "-e", script]`) through `/usr/bin/env`, or
    /// `arguments[1...]` with `arguments[0]` itself when that is an absolute path, and returns its stdout.
    public static func run(
        _ arguments: [String], in directory: URL? = nil, input: String? = nil,
        timeout: TimeInterval = 300, file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> String {
        precondition(!arguments.isEmpty, "ReferenceTool.run needs a tool name")
        let tool = arguments[0]
        let direct = tool.hasPrefix("/")
        if direct && !FileManager.default.isExecutableFile(atPath: tool) {
            throw Requirement.missing("\(tool) is absent")
        }
        let result = try Subprocess.run(
            URL(fileURLWithPath: direct ? tool : "/usr/bin/env"),
            direct ? Array(arguments.dropFirst()) : arguments, in: directory,
            input: input.map { Data($0.utf8) }, environment: ["PYTHONWARNINGS": "ignore"],
            timeout: timeout, file: file, line: line)
        if result.status == 0 && !result.signaled { return result.stdout }
        let missingMarks = ["No module named", "ModuleNotFoundError", "there is no package called"]
        if (!result.signaled && result.status == 127) || missingMarks.contains(where: result.stderr.contains) {
            throw Requirement.missing("\(tool) or one of its packages is not installed: \(result.stderr.suffix(300))")
        }
        throw ToolFailure("\(tool) failed: \(result.transcript)")
    }
}

/// A child process (a reference tool, or a command that prepares a fixture) that ran and failed — not a missing
/// install: thrown from a test, it fails the test with the process's output.
public struct ToolFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Python as an oracle: `python3` from `PATH` (or an interpreter given by absolute path, such as `/usr/bin/python3`
/// for Debian's RDKit).
public enum Python {
    /// Runs `python3 -c code arguments…` and returns its stdout.
    public static func run(
        _ code: String, arguments: [String] = [], interpreter: String = "python3",
        in directory: URL? = nil, input: String? = nil, timeout: TimeInterval = 300,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        try ReferenceTool.run(
            [interpreter, "-c", code] + arguments, in: directory, input: input, timeout: timeout,
            file: file, line: line)
    }
}
