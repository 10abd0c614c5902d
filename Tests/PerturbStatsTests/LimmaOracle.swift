import Foundation
import XCTest

/// Runs R (`Rscript`) with limma as a black-box oracle; skips the test when R or limma is absent.
enum LimmaOracle {
    /// Runs `script` with `Rscript -e` in `directory`; returns stdout.
    static func run(_ script: String, in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["Rscript", "-e", script]
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw XCTSkip("Rscript not available (apt-get install r-bioc-limma r-bioc-edger r-cran-statmod)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            if stderr.contains("No such file") || stderr.contains("there is no package called") {
                throw XCTSkip("R with limma/edgeR not available: \(stderr.prefix(200))")
            }
            throw NSError(domain: "LimmaOracle", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: stderr])
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// Reads a headerless TSV of numbers (R's `write.table(..., col.names = FALSE, row.names = FALSE)`; NA → NaN).
    static func numbers(_ url: URL) throws -> [[Double]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: "\t").map { Double($0) ?? .nan }
        }
    }

    /// Writes a genes × samples matrix as TSV (17 significant digits).
    static func write(_ values: [Double], rows: Int, columns: Int, to url: URL) throws {
        var text = ""
        for r in 0..<rows {
            text += (0..<columns).map { String(format: "%.17g", values[r * columns + $0]) }.joined(separator: "\t") + "\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// Relative agreement of two numbers (absolute below `floor`).
func assertClose(_ a: Double, _ b: Double, relative: Double, floor: Double = 1e-12, _ message: @autoclosure () -> String,
                 file: StaticString = #filePath, line: UInt = #line) {
    if a.isNaN && b.isNaN { return }
    if a.isInfinite || b.isInfinite { XCTAssertEqual(a, b, message(), file: file, line: line); return }
    let scale = max(abs(a), abs(b), floor)
    XCTAssertLessThanOrEqual(abs(a - b) / scale, relative, "\(message()): \(a) vs \(b)", file: file, line: line)
}
