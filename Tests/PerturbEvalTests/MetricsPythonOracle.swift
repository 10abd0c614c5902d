import Foundation
import PerturbTestSupport
import XCTest

/// Runs a Python snippet with numpy/scipy as an independent oracle (`Python.run`: a skip when they are absent, a
/// failure under CI).
enum MetricsPythonOracle {
    /// Runs `script` with `python3` and returns its stdout, split into whitespace-separated numbers.
    static func numbers(_ script: String) throws -> [Double] {
        try Python.run(script).split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    }

    /// Formats values as a Python list literal.
    static func list<T: BinaryFloatingPoint>(_ values: [T]) -> String {
        "[" + values.map { "\(Double($0))" }.joined(separator: ",") + "]"
    }
}
