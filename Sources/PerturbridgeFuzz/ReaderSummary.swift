import Foundation

/// Counts of one reader's cases by outcome, the slowest case, the failures (first 20 described) and the errors whose
/// message does not name the input file.
struct ReaderSummary {
    let reader: String
    var cases = 0
    var counts: [Outcome: Int] = [:]
    var slowest: (seconds: Double, index: Int) = (0, -1)
    var failures: [String] = []
    var unnamedErrors = 0
    var unnamedExamples: [String] = []
    var seconds = 0.0

    var failureCount: Int { counts.filter { $0.key.isFailure }.values.reduce(0, +) }

    mutating func add(_ result: CaseResult, case index: Int, damage: String, folder: String) {
        cases += 1
        counts[result.outcome, default: 0] += 1
        if result.seconds > slowest.seconds { slowest = (result.seconds, index) }
        if result.outcome.isFailure && failures.count < 20 {
            let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
            failures.append("case \(index): \(result.outcome.name) — \(damage)\n      \(last.prefix(300))")
        }
        if result.outcome == .error && !result.stderr.contains(folder) {
            unnamedErrors += 1
            if unnamedExamples.count < 5 { unnamedExamples.append("case \(index): \(result.stderr.prefix(200))") }
        }
    }

    private func count(_ match: (Outcome) -> Bool) -> Int { counts.filter { match($0.key) }.values.reduce(0, +) }

    static let header = "reader       cases      ok   error  guarded  crashes  hangs  other  slowest(s)  time(s)"

    /// One table row: guarded = HDF5-guard exits (faults + stalls), other = internal errors, empty messages, other
    /// statuses.
    var row: String {
        let crashes = count {
            if case .crash = $0 { return true }; return false
        }
        let hangs = counts[.hang] ?? 0
        let guarded = (counts[.guardedFault] ?? 0) + (counts[.guardedStall] ?? 0)
        let other = failureCount - crashes - hangs
        let name = reader.padding(toLength: max(10, reader.count), withPad: " ", startingAt: 0)
        return name
            + String(
                format: " %7d %7d %7d %8d %8d %6d %6d %11.2f %8.0f", cases, counts[.ok] ?? 0,
                counts[.error] ?? 0, guarded, crashes, hangs, other, slowest.seconds, seconds)
    }

    /// The row followed by the guard split, the failures and the unnamed-error examples.
    var report: String {
        var lines = [row]
        let faults = counts[.guardedFault] ?? 0, stalls = counts[.guardedStall] ?? 0
        if faults + stalls > 0 { lines.append("  guarded: \(faults) faults, \(stalls) stalls inside libhdf5") }
        if slowest.index >= 0 { lines.append("  slowest: case \(slowest.index)") }
        lines += failures.map { "  FAIL \($0)" }
        if unnamedErrors > 0 {
            lines.append("  \(unnamedErrors) error messages do not name the file, e.g.:")
            lines += unnamedExamples.map { "    \($0.replacingOccurrences(of: "\n", with: " "))" }
        }
        return lines.joined(separator: "\n")
    }
}
