import Foundation
import XCTest

/// Runs a Python snippet with numpy/scipy as an independent oracle; skips the test when they are absent.
enum MetricsPythonOracle {
    /// Runs `script` with `python3` and returns its stdout, split into whitespace-separated numbers.
    static func numbers(_ script: String) throws -> [Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw XCTSkip("python3 not available: \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errText = String(decoding: errData, as: UTF8.self)
        if errText.contains("ModuleNotFoundError") { throw XCTSkip("python3 lacks numpy/scipy: \(errText)") }
        guard process.terminationStatus == 0 else {
            XCTFail("python oracle failed: \(errText)")
            return []
        }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    }

    /// Formats values as a Python list literal.
    static func list<T: BinaryFloatingPoint>(_ values: [T]) -> String {
        "[" + values.map { "\(Double($0))" }.joined(separator: ",") + "]"
    }
}
