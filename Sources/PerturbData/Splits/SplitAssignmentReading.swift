import Foundation
import PerturbBase

extension SplitAssignment {
    /// Reads a split TSV written by `write(to:)`.
    ///
    /// The file is parsed from its bytes line by line: no array of lines or of fields is built, datasets, contexts,
    /// compound lists and split names are stored once each (interned), so a row costs its condition id and one
    /// entry. (A published split of 823k conditions used to take ~400 MB of short-lived strings whose freed memory
    /// stayed resident for the rest of a run.) Errors name the file and the line.
    public static func read(_ url: URL) throws -> SplitAssignment {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw InputError("\(url.path): split file not found or not readable")
        }
        return try data.withUnsafeBytes { raw in
            var parser = SplitTSVParser(bytes: raw.bindMemory(to: UInt8.self), path: url.path)
            return try parser.parse()
        }
    }
}

/// One pass over the bytes of a split TSV.
private struct SplitTSVParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    private var names = Interner<String>()
    private var compoundLists: [String: [String]] = [:]

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func parse() throws -> SplitAssignment {
        var kind = "", seed: UInt64 = 0
        var parameters: [(String, String)] = []
        var entries: [SplitAssignment.Entry] = []
        entries.reserveCapacity(bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        var seenLines = 0
        var fields: [Range<Int>] = []
        fields.reserveCapacity(SplitAssignment.columns.count)
        var start = 0, lineNumber = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            let line = start..<stop
            start = end + 1
            if line.isEmpty { continue }
            seenLines += 1
            switch seenLines {
            case 1:
                let first = try text(line, line: lineNumber)
                guard first.hasPrefix("# perturbridge split") else { throw headerMissing(line: lineNumber) }
                for token in first.dropFirst("# perturbridge split".count).split(separator: " ") {
                    let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
                    guard kv.count == 2 else { continue }
                    switch kv[0] {
                    case "kind": kind = kv[1]
                    case "seed": seed = UInt64(kv[1]) ?? 0
                    default: parameters.append((kv[0], kv[1]))
                    }
                }
            case 2:
                let header = try text(line, line: lineNumber).split(separator: "\t", omittingEmptySubsequences: false)
                guard header.map(String.init) == SplitAssignment.columns else {
                    throw columnsMissing(line: lineNumber)
                }
            default:
                split(line, into: &fields)
                guard fields.count == SplitAssignment.columns.count,
                    let split = splitName(fields[4])
                else {
                    throw InputError(
                        "\(path): line \(lineNumber): expected \(SplitAssignment.columns.count) tab-separated fields with split train/val/test"
                    )
                }
                entries.append(
                    SplitAssignment.Entry(
                        conditionId: try text(fields[0], line: lineNumber),
                        dataset: names.intern(try text(fields[1], line: lineNumber)),
                        context: names.intern(try text(fields[2], line: lineNumber)),
                        compounds: try compounds(fields[3], line: lineNumber), split: split,
                        evaluated: fields[5].count == 1 && bytes[fields[5].lowerBound] == UInt8(ascii: "1")))
            }
        }
        if seenLines == 0 { throw headerMissing(line: 1) }
        if seenLines == 1 { throw columnsMissing(line: 2) }
        return SplitAssignment(kind: kind, seed: seed, parameters: parameters, entries: entries)
    }

    private func headerMissing(line: Int) -> InputError {
        InputError(
            "\(path): line \(line) must be the '# perturbridge split kind=... seed=...' header written by `perturbridge split`"
        )
    }

    private func columnsMissing(line: Int) -> InputError {
        InputError(
            "\(path): line \(line) must be the column header \(SplitAssignment.columns.joined(separator: "\\t"))")
    }

    /// The tab-separated field ranges of `line`.
    private func split(_ line: Range<Int>, into fields: inout [Range<Int>]) {
        fields.removeAll(keepingCapacity: true)
        var lo = line.lowerBound
        for i in line where bytes[i] == 0x09 {
            fields.append(lo..<i)
            lo = i + 1
        }
        fields.append(lo..<line.upperBound)
    }

    /// The shared "train" / "val" / "test" string the field spells, nil for anything else.
    private func splitName(_ field: Range<Int>) -> String? {
        for name in [SplitAssignment.train, SplitAssignment.val, SplitAssignment.test]
        where name.utf8.elementsEqual(bytes[field]) {
            return name
        }
        return nil
    }

    private func text(_ field: Range<Int>, line: Int) throws -> String {
        guard let value = String(validating: UnsafeBufferPointer(rebasing: bytes[field]), as: UTF8.self) else {
            throw InputError("\(path): line \(line) is not valid UTF-8")
        }
        return value
    }

    /// The `+`-separated compound keys of a field, one shared array per distinct field text.
    private mutating func compounds(_ field: Range<Int>, line: Int) throws -> [String] {
        if field.isEmpty { return [] }
        let key = try text(field, line: line)
        if let known = compoundLists[key] { return known }
        let list = key.split(separator: "+").map { names.intern(String($0)) }
        compoundLists[key] = list
        return list
    }
}
