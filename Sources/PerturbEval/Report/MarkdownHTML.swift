import Foundation

/// Converts the Markdown the reports write to HTML: `#` headings, `- ` lists, pipe tables (with the `---:`
/// alignment row and `\|` escapes of `MarkdownTable`), paragraphs, `code` spans, links and images. Every text is
/// escaped; an image becomes whatever `figure` returns for its path (inline SVG), so the page needs no other file.
struct MarkdownHTML {
    /// The HTML of the image at a path (relative to the Markdown file) with its alt text.
    let figure: (_ path: String, _ alt: String) -> String

    /// The HTML of `markdown`.
    func convert(_ markdown: String) -> String {
        var html = "", paragraph: [String] = [], table: [String] = [], list: [String] = []
        func flush() {
            if !paragraph.isEmpty { html += block(paragraph.joined(separator: " ")); paragraph = [] }
            if !table.isEmpty { html += self.table(table); table = [] }
            if !list.isEmpty {
                html += "<ul>\n" + list.map { "<li>\(inline($0))</li>\n" }.joined() + "</ul>\n"
                list = []
            }
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { flush(); continue }
            if line.hasPrefix("#") {
                flush()
                let level = min(line.prefix { $0 == "#" }.count, 6)
                html += "<h\(level)>\(inline(line.dropFirst(level).trimmingCharacters(in: .whitespaces)))</h\(level)>\n"
            } else if line.hasPrefix("|") {
                if table.isEmpty { flush() }
                table.append(line)
            } else if line.hasPrefix("- ") {
                if list.isEmpty { flush() }
                list.append(String(line.dropFirst(2)))
            } else {
                if !table.isEmpty || !list.isEmpty { flush() }
                paragraph.append(line)
            }
        }
        flush()
        return html
    }

    /// A paragraph, or a row of figures when it holds only images.
    private func block(_ text: String) -> String {
        var rest = Substring(text), figures: [String] = []
        while rest.first == "!", case let (label, target, tail)? = Self.link(rest.dropFirst()) {
            figures.append(figure(target, label))
            rest = tail.drop { $0 == " " }
        }
        if rest.isEmpty && !figures.isEmpty {
            return "<div class=\"figures\">\n" + figures.map { $0 + "\n" }.joined() + "</div>\n"
        }
        return "<p>\(inline(text))</p>\n"
    }

    /// A pipe table: the first line is the header, the second the alignment row.
    private func table(_ lines: [String]) -> String {
        let rows = lines.map(Self.cells)
        guard rows.count >= 2 else { return "<p>\(inline(lines.joined(separator: " ")))</p>\n" }
        let right = rows[1].map { $0.hasSuffix(":") }
        func row(_ cells: [String], tag: String) -> String {
            "<tr>"
                + cells.enumerated().map { j, cell in
                    let align = j < right.count && right[j] ? " class=\"num\"" : ""
                    return "<\(tag)\(align)>\(inline(cell))</\(tag)>"
                }.joined() + "</tr>\n"
        }
        return "<table>\n<thead>\n" + row(rows[0], tag: "th") + "</thead>\n<tbody>\n"
            + rows.dropFirst(2).map { row($0, tag: "td") }.joined() + "</tbody>\n</table>\n"
    }

    /// The cells of one table line (outer pipes dropped, `\|` kept as a literal pipe).
    static func cells(_ line: String) -> [String] {
        var cells: [String] = [], cell = "", escaped = false
        for ch in line.dropFirst() {
            if escaped { cell.append(ch); escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "|": cells.append(cell.trimmingCharacters(in: .whitespaces)); cell = ""
            default: cell.append(ch)
            }
        }
        let last = cell.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { cells.append(last) }
        return cells
    }

    /// Inline Markdown: `code`, ![alt](path), [text](href); everything else escaped.
    func inline(_ text: String) -> String {
        var out = "", rest = Substring(text)
        while let ch = rest.first {
            if ch == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                out += "<code>\(SVGText.escape(String(rest[rest.index(after: rest.startIndex)..<end])))</code>"
                rest = rest[rest.index(after: end)...]
            } else if ch == "!", case let (label, target, tail)? = Self.link(rest.dropFirst()) {
                out += figure(target, label)
                rest = tail
            } else if ch == "[", case let (label, target, tail)? = Self.link(rest) {
                out += "<a href=\"\(SVGText.escape(target))\">\(inline(label))</a>"
                rest = tail
            } else {
                out += SVGText.escape(String(ch))
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// `[label](target)` at the start of `text`: the label, the target and what follows.
    static func link(_ text: Substring) -> (String, String, Substring)? {
        guard text.first == "[", let close = text.range(of: "](") else { return nil }
        let label = text[text.index(after: text.startIndex)..<close.lowerBound]
        guard !label.contains("]"), let end = text[close.upperBound...].firstIndex(of: ")") else { return nil }
        return (String(label), String(text[close.upperBound..<end]), text[text.index(after: end)...])
    }
}
