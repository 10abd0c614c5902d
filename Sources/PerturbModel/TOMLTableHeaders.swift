/// A check TOML text must pass before it reaches toml++ (inside TOMLKit): toml++ 3 asserts — aborting the process,
/// or in an `NDEBUG` build assuming — that a table header's `[` or `[[` is followed by a key (a bare-key character or
/// a quote), so a line such as `[` alone would crash the config reader instead of being reported.
enum TOMLTableHeaders {
    /// The 1-based line of the first table header whose `[`/`[[` is followed by neither a key nor `]` (toml++ reports
    /// `]` itself), or nil. Headers are found as toml++ finds them: a `[` first on a line outside strings, comments and
    /// the brackets and braces of a value.
    static func lineWithoutKey(in text: String) -> Int? {
        let chars = Array(text.unicodeScalars)
        var i = 0, line = 1, depth = 0
        var lineStart = true, inHeader = false
        func at(_ k: Int) -> Unicode.Scalar? { k < chars.count ? chars[k] : nil }
        while let c = at(i) {
            switch c {
            case "\n":
                line += 1
                lineStart = depth == 0
                inHeader = false
                i += 1
            case " ", "\t", "\r":
                i += 1
            case "#":
                while let next = at(i), next != "\n" { i += 1 }
            case "\"", "'":
                i = skipString(chars, from: i, line: &line)
                lineStart = false
            case "[" where lineStart && depth == 0:
                var j = at(i + 1) == "[" ? i + 2 : i + 1
                while at(j) == " " || at(j) == "\t" { j += 1 }
                guard let first = at(j), isBareKey(first) || first == "\"" || first == "'" || first == "]" else {
                    return line
                }
                lineStart = false
                inHeader = true
                i = j
            case "[", "{":
                if !inHeader { depth += 1 }
                lineStart = false
                i += 1
            case "]", "}":
                if !inHeader { depth = max(0, depth - 1) }
                lineStart = false
                i += 1
            default:
                lineStart = false
                i += 1
            }
        }
        return nil
    }

    private static func isBareKey(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }

    /// The index after the string starting at `start` (basic or literal, single- or multi-line); counts the newlines
    /// of multi-line strings into `line`. An unterminated string ends at the line's end (or the text's).
    private static func skipString(_ chars: [Unicode.Scalar], from start: Int, line: inout Int) -> Int {
        let quote = chars[start]
        let multiLine = start + 2 < chars.count && chars[start + 1] == quote && chars[start + 2] == quote
        var i = start + (multiLine ? 3 : 1)
        while i < chars.count {
            let c = chars[i]
            if c == "\\" && quote == "\"" {
                if multiLine && i + 1 < chars.count && chars[i + 1] == "\n" { line += 1 }
                i += 2
                continue
            }
            if c == "\n" {
                guard multiLine else { return i }
                line += 1
            }
            if c == quote && (!multiLine || (i + 2 < chars.count && chars[i + 1] == quote && chars[i + 2] == quote)) {
                return i + (multiLine ? 3 : 1)
            }
            i += 1
        }
        return i
    }
}
