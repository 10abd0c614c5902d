import Foundation
import PerturbBase
import PerturbIO

/// A condition table in the manifest layout (dataset, context, perturbation = CID, log_dose, time, optional split;
/// gzip or plain TSV) that `split --conditions` splits and writes back: the same rows in the same order with every
/// other field byte for byte as read, and the `split` column replaced (appended when the table has none).
public struct ConditionTable: Sendable {
    public let manifest: ConditionManifest
    private let records: [[String]]

    /// Reads and checks the table (see `ConditionManifest.read`; the `split` column is optional here).
    public static func read(_ url: URL) throws -> ConditionTable {
        let records = try TextFile.readTSV(url)
        return ConditionTable(
            manifest: try ConditionManifest.read(url, lines: records, requireSplit: false), records: records)
    }

    /// The table's conditions, one per row, compounds keyed by CID.
    public var conditions: [Condition] { manifest.entries.map(\.condition) }

    /// Writes the table with the split of each row from `assignment` (by condition id; "" for a row the assignment
    /// leaves out), atomically; gzip when `url` ends in `.gz`.
    public func write(_ assignment: SplitAssignment, to url: URL) throws {
        let splitOf = assignment.splitOf
        var header = records[0]
        let splitColumn = header.firstIndex(of: "split") ?? header.count
        if splitColumn == header.count { header.append("split") }
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 64)
        func append(_ fields: [String]) {
            for (i, field) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: "\t")) }
                out.append(contentsOf: field.utf8)
            }
            out.append(UInt8(ascii: "\n"))
        }
        append(header)
        var entries = manifest.entries.makeIterator()
        var next = entries.next()
        for (offset, fields) in records.enumerated().dropFirst() {
            guard let entry = next, entry.line == offset + 1 else {
                append(fields)
                continue
            }
            var row = fields
            let split = splitOf[entry.condition.id] ?? ""
            if splitColumn < row.count { row[splitColumn] = split } else { row.append(split) }
            append(row)
            next = entries.next()
        }
        try TextFile.write(out, to: url)
    }
}
