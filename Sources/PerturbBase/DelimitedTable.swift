import Foundation

/// A small in-memory table read from or written to CSV/TSV (RFC 4180 quoting for CSV).
public struct DelimitedTable: Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// Column index by name; throws an error naming the file and the columns it has.
    public func columnIndex(_ name: String, file: String = "table") throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw InputError("\(file): no column '\(name)'; columns are: \(header.joined(separator: ", "))")
        }
        return index
    }

    /// All values of a named column.
    public func column(_ name: String, file: String = "table") throws -> [String] {
        let index = try columnIndex(name, file: file)
        return rows.map { index < $0.count ? $0[index] : "" }
    }

    /// Picks the delimiter from the file extension: tab for .tsv/.txt/.tab, comma otherwise.
    public static func delimiter(for url: URL) -> Character {
        ["tsv", "txt", "tab", "smi"].contains(url.pathExtension.lowercased()) ? "\t" : ","
    }

    /// Reads a CSV/TSV file whose first line is a header.
    public static func read(_ url: URL, delimiter: Character? = nil) throws -> DelimitedTable {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw InputError("\(url.path): file not found or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError("\(url.path): not UTF-8 text")
        }
        let records = parse(text, delimiter: delimiter ?? Self.delimiter(for: url))
        guard let header = records.first else { throw InputError("\(url.path): empty file, expected a header line") }
        return DelimitedTable(header: header, rows: Array(records.dropFirst()))
    }

    /// Parses delimited text into records, honouring double-quoted fields (with "" escapes and embedded newlines).
    public static func parse(_ text: String, delimiter: Character) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func nextChar() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = nextChar() {
            if inQuotes {
                if c == "\"" {
                    if let n = nextChar() {
                        if n == "\"" { field.append("\"") } else { inQuotes = false; pending = n }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                inQuotes = true
            } else if c == delimiter {
                record.append(field); field = ""
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                record.append(field); field = ""
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }

    /// Renders the table as CSV (quoted where needed) or TSV.
    public func render(delimiter: Character = ",") -> String {
        func escape(_ value: String) -> String {
            guard delimiter == "," else { return value }
            if value.contains(",") || value.contains("\"") || value.contains("\n") {
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return value
        }
        var out = header.map(escape).joined(separator: String(delimiter)) + "\n"
        for row in rows { out += row.map(escape).joined(separator: String(delimiter)) + "\n" }
        return out
    }

    /// Writes the table atomically; the delimiter follows the extension unless given.
    public func write(_ url: URL, delimiter: Character? = nil) throws {
        try AtomicFile.write(render(delimiter: delimiter ?? Self.delimiter(for: url)), to: url)
    }
}
