import Foundation
import PerturbTestSupport
import XCTest

/// Runs R (`Rscript`) with limma as a black-box oracle (`ReferenceTool.run`: a skip when R or limma is absent, a
/// failure under CI).
enum LimmaOracle {
    /// Runs `script` with `Rscript -e` in `directory`; returns stdout.
    static func run(_ script: String, in directory: URL) throws -> String {
        try ReferenceTool.run(["Rscript", "-e", script], in: directory)
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
            text +=
                (0..<columns).map { String(format: "%.17g", values[r * columns + $0]) }.joined(separator: "\t") + "\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// Relative agreement of two numbers (absolute below `floor`).
func assertClose(
    _ a: Double, _ b: Double, relative: Double, floor: Double = 1e-12, _ message: @autoclosure () -> String,
    file: StaticString = #filePath, line: UInt = #line
) {
    if a.isNaN && b.isNaN { return }
    if a.isInfinite || b.isInfinite { XCTAssertEqual(a, b, message(), file: file, line: line); return }
    let scale = max(abs(a), abs(b), floor)
    XCTAssertLessThanOrEqual(abs(a - b) / scale, relative, "\(message()): \(a) vs \(b)", file: file, line: line)
}
