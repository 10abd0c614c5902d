import PerturbBase

/// Damage to text formats (TSV, CSV, GCT, JSON, YAML, TOML, SMILES tables) at the level of their tokens: a number
/// replaced by a boundary value, lines dropped, duplicated or swapped, a field dropped or duplicated (in one line or
/// a whole column), a special character or string inserted (tab, newline, quote, NUL, invalid UTF-8, deep
/// nesting), SMILES characters changed, a span deleted. Bytes, not `String`s, so invalid UTF-8 survives. Half of
/// the picks of a line or a number fall in the first lines, where formats keep their headers, counts and keys.
enum TextMutator {
    /// Applies one seeded mutation to `text`; returns a short description for failure reports.
    static func mutate(_ text: inout [UInt8], rng: inout SeededRNG) -> String {
        guard !text.isEmpty else {
            text = Array(pick(specials, &rng).utf8)
            return "replace empty text"
        }
        switch rng.nextInt(below: 12) {
        case 0, 1: return changeNumber(&text, &rng)
        case 2:
            return editLines(&text, &rng) { lines, rng in
                let i = early(lines.count, &rng)
                lines.remove(at: i)
                return "delete line \(i + 1)"
            }
        case 3:
            return editLines(&text, &rng) { lines, rng in
                let i = early(lines.count, &rng), j = early(lines.count + 1, &rng)
                lines.insert(lines[i], at: j)
                return "copy line \(i + 1) to \(j + 1)"
            }
        case 4:
            return editLines(&text, &rng) { lines, rng in
                let i = early(lines.count, &rng), j = early(lines.count, &rng)
                lines.swapAt(i, j)
                return "swap lines \(i + 1) and \(j + 1)"
            }
        case 5: return editFields(&text, &rng, wholeColumn: false)
        case 6: return editFields(&text, &rng, wholeColumn: true)
        case 7, 8:
            let at = rng.nextInt(below: text.count + 1)
            let inserted = insertion(&rng)
            text.insert(contentsOf: inserted.bytes, at: at)
            return "insert \(inserted.name) at \(at)"
        case 9:
            let at = rng.nextInt(below: text.count)
            let c = smilesCharacters[rng.nextInt(below: smilesCharacters.count)]
            text[at] = c
            return "set byte \(at) to '\(Character(Unicode.Scalar(c)))'"
        case 10:
            let at = rng.nextInt(below: text.count)
            let length = min(text.count - at, [1, 2, 8, 64, 1024][rng.nextInt(below: 5)])
            text.removeSubrange(at..<(at + length))
            return "delete \(length) bytes at \(at)"
        default:
            let at = rng.nextInt(below: text.count)
            text.removeSubrange(at...)
            return "truncate at \(at)"
        }
    }

    /// Numbers on the edges of what parsers and sizes accept.
    private static let boundaryNumbers = [
        "0", "-1", "-0", "1", "2", "-2", "255", "65536", "2147483647", "2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999999999999", "1e308", "1e309", "-1e309", "1e-320", "inf", "-inf",
        "nan", "NaN", "Infinity", "1.5", "-0.5", "0.1", "1e6", "1e10", "0x10", "1_000", "", "-", ".", "1e", "--1",
    ]

    /// Strings inserted at random places: separators, quotes, control bytes, missing-value markers, non-ASCII.
    private static let specials = [
        "\t", "\n", "\r", "\r\n", "\"", "'", ",", "\0", "\\", "#", "=", ":", "-666", "NA", "nan", "", " ", "|",
        "{", "}", "[", "]", "null", "true", "é", "µ", "\u{1F600}", "\u{FEFF}", "\t\t\t\t", "\n\n\n",
    ]

    /// Characters of SMILES syntax (ring bonds, branches, charges, stereo, aromatic atoms).
    private static let smilesCharacters = Array("()[]=#%0123456789@+-/\\.:*cnosCNOSPBrClFIHe$".utf8)

    private static func pick(_ list: [String], _ rng: inout SeededRNG) -> String {
        list[rng.nextInt(below: list.count)]
    }

    /// An index below `count`: half of the time among the first eight.
    private static func early(_ count: Int, _ rng: inout SeededRNG) -> Int {
        rng.nextDouble() < 0.5 ? rng.nextInt(below: min(count, 8)) : rng.nextInt(below: count)
    }

    private static func insertion(_ rng: inout SeededRNG) -> (name: String, bytes: [UInt8]) {
        switch rng.nextInt(below: 20) {
        case 0: return ("invalid UTF-8", [0xff, 0xfe, 0xc3])
        case 1:
            let open = pick(["[", "{\"a\":", "a:\n ", "- ", "(", "[[", "{"], &rng)
            return ("deep nesting of '\(open)'", Array(String(repeating: open, count: 20_000).utf8))
        case 2: return ("a 100,000-byte field", Array(repeating: UInt8(ascii: "x"), count: 100_000))
        case 3: return ("10,000 tabs", Array(repeating: UInt8(ascii: "\t"), count: 10_000))
        default:
            let s = pick(specials, &rng)
            return ("'\(s.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())'", Array(s.utf8))
        }
    }

    /// Replaces one number of the text (a run of digits with sign, point and exponent) by a boundary value or a
    /// scaled copy of itself.
    private static func changeNumber(_ text: inout [UInt8], _ rng: inout SeededRNG) -> String {
        var numbers: [Range<Int>] = []
        var i = 0
        let numberPunctuation = Array(".eE".utf8), signs = Array("-+".utf8)
        func isNumberByte(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || numberPunctuation.contains(b) }
        while i < text.count {
            let b = text[i]
            guard b >= 0x30 && b <= 0x39 else { i += 1; continue }
            var start = i
            if start > 0 && signs.contains(text[start - 1]) { start -= 1 }
            while i < text.count && isNumberByte(text[i]) { i += 1 }
            numbers.append(start..<i)
        }
        guard !numbers.isEmpty else { return editFields(&text, &rng, wholeColumn: false) }
        let range = numbers[early(numbers.count, &rng)]
        let old = String(decoding: text[range], as: UTF8.self)
        let new: String
        switch rng.nextInt(below: 4) {
        case 0: new = old + "000"
        case 1: new = old.hasPrefix("-") ? String(old.dropFirst()) : "-" + old
        default: new = pick(boundaryNumbers, &rng)
        }
        text.replaceSubrange(range, with: Array(new.utf8))
        return "number '\(old)' at \(range.lowerBound) → '\(new)'"
    }

    /// Applies `edit` to the lines of the text (split at `\n`, which is put back between them).
    private static func editLines(
        _ text: inout [UInt8], _ rng: inout SeededRNG,
        _ edit: (inout [[UInt8]], inout SeededRNG) -> String
    ) -> String {
        var lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        let description = edit(&lines, &rng)
        text = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        return description
    }

    /// Drops or duplicates a field (tab- or comma-separated, whichever the first line uses) in one line or in every
    /// line, or replaces it with a special value.
    private static func editFields(_ text: inout [UInt8], _ rng: inout SeededRNG, wholeColumn: Bool) -> String {
        let firstLine = text.prefix { $0 != UInt8(ascii: "\n") }
        let tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ",")
        let separator = firstLine.contains(tab) || !firstLine.contains(comma) ? tab : comma
        let action = rng.nextInt(below: 3)
        let special = Array((action == 2 ? pick(specials + boundaryNumbers, &rng) : "").utf8)
        return editLines(&text, &rng) { lines, rng in
            let chosen = early(lines.count, &rng)
            let width = lines[chosen].split(separator: separator, omittingEmptySubsequences: false).count
            let column = rng.nextInt(below: max(1, width))
            for index in wholeColumn ? Array(lines.indices) : [chosen] {
                var fields = lines[index].split(separator: separator, omittingEmptySubsequences: false).map(Array.init)
                guard column < fields.count else { continue }
                switch action {
                case 0: fields.remove(at: column)
                case 1: fields.insert(fields[column], at: column)
                default: fields[column] = special
                }
                lines[index] = Array(fields.joined(separator: [separator]))
            }
            let what = ["drop", "duplicate", "replace"][action]
            return "\(what) field \(column + 1) of \(wholeColumn ? "every line" : "line \(chosen + 1)")"
                + (action == 2 ? " with '\(String(decoding: special, as: UTF8.self).prefix(20))'" : "")
        }
    }
}
