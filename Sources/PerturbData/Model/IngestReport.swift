import Foundation
import PerturbBase

/// What an ingest kept and what it skipped, with a count and up to five examples per reason, so that no data is
/// dropped silently. Written as JSON beside the output and summarized on stderr.
public struct IngestReport: Codable, Sendable {
    public struct Skip: Codable, Sendable {
        public var count: Int
        public var examples: [String]
    }
    public static let maxExamples = 5

    public var source: String
    public var format: String
    public var rowsRead = 0
    public var conditionsWritten = 0
    public var controlsUsed = 0
    public var replicateRows = 0
    public var skipped: [String: Skip] = [:]
    public var notes: [String] = []

    public init(source: String, format: String) {
        self.source = source
        self.format = format
    }

    /// Records one skipped row/sample under `reason`, keeping the first examples.
    public mutating func skip(_ reason: String, example: String) {
        var entry = skipped[reason] ?? Skip(count: 0, examples: [])
        entry.count += 1
        if entry.examples.count < Self.maxExamples { entry.examples.append(example) }
        skipped[reason] = entry
    }

    public var skippedTotal: Int { skipped.values.reduce(0) { $0 + $1.count } }

    /// Merges another report's counts (for multi-file ingests).
    public mutating func absorb(_ other: IngestReport) {
        rowsRead += other.rowsRead
        conditionsWritten += other.conditionsWritten
        controlsUsed += other.controlsUsed
        replicateRows += other.replicateRows
        notes += other.notes.map { "\(other.source): \($0)" }
        for (reason, entry) in other.skipped {
            var mine = skipped[reason] ?? Skip(count: 0, examples: [])
            mine.count += entry.count
            for e in entry.examples where mine.examples.count < Self.maxExamples {
                mine.examples.append("\(other.source): \(e)")
            }
            skipped[reason] = mine
        }
    }

    /// A few human-readable lines for stderr.
    public var summary: String {
        var lines = [
            "\(source) [\(format)]: read \(rowsRead) rows, wrote \(conditionsWritten) conditions"
                + (controlsUsed > 0 ? ", used \(controlsUsed) control samples" : "")
                + (replicateRows > 0 ? ", \(replicateRows) per-replicate rows" : "")
                + ", skipped \(skippedTotal)"
        ]
        lines += skipDescriptions(examples: 3).map { "  skipped \($0)" }
        lines += notes.map { "  note: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// One `N × reason (e.g. …)` entry per skip reason, sorted by reason, with up to `examples` examples each.
    public func skipDescriptions(examples: Int) -> [String] {
        skipped.sorted { $0.key < $1.key }.map { reason, entry in
            "\(entry.count) × \(reason) (e.g. \(entry.examples.prefix(examples).joined(separator: "; ")))"
        }
    }

    /// Writes the report as pretty JSON, atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}
