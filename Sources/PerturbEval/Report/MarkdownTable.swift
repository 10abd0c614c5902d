import Foundation

/// A GitHub-flavoured Markdown table.
public struct MarkdownTable: Sendable {
    public var header: [String]
    public var rows: [[String]]
    /// Columns aligned right (numbers); others left.
    public var rightAligned: Set<Int>

    public init(header: [String], rows: [[String]] = [], rightAligned: Set<Int> = []) {
        self.header = header
        self.rows = rows
        self.rightAligned = rightAligned
    }

    /// Escapes `|` and newlines so a value stays in its cell.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// The table text, ending with a newline.
    public func render() -> String {
        var out = "| " + header.map(Self.escape).joined(separator: " | ") + " |\n"
        out += "|" + header.indices.map { rightAligned.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|\n"
        for row in rows {
            let cells = header.indices.map { $0 < row.count ? Self.escape(row[$0]) : "" }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
