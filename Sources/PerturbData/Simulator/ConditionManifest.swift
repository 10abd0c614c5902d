import Foundation
import PerturbBase
import PerturbIO

/// A table of conditions in the layout of the paper's `df_annot_split.tsv.gz` (gzip or plain TSV): columns
/// `dataset`, `context`, `perturbation` (a PubChem CID), `log_dose` (log10 µM; `-inf` = dose 0), `time` (hours)
/// and `split` (`train`, `val`, `test`). Extra columns are ignored; rows are unique conditions.
public struct ConditionManifest: Sendable {
    /// One manifest row.
    public struct Entry: Sendable, Equatable {
        public var dataset: String
        public var context: String
        /// The compound key: the PubChem CID as written.
        public var perturbation: String
        /// log10 of the dose in µM; `-infinity` for dose 0.
        public var logDose: Double
        public var timeHours: Double
        public var split: String
        /// 1-based line of the file (the header is line 1).
        public var line: Int

        /// The dose in µM (0 for `log_dose = -inf`).
        public var doseMicromolar: Double { logDose == -.infinity ? 0 : pow(10, logDose) }

        /// The condition this row describes.
        public var condition: Condition {
            Condition(
                dataset: dataset, context: context, compounds: [perturbation], doseMicromolar: doseMicromolar,
                timeHours: timeHours)
        }
    }

    public static let requiredColumns = ["dataset", "context", "perturbation", "log_dose", "time", "split"]
    public static let splitNames: Set<String> = [SplitAssignment.train, SplitAssignment.val, SplitAssignment.test]

    /// The file the manifest was read from (for messages).
    public var file: String
    public var entries: [Entry]

    public init(file: String, entries: [Entry]) {
        self.file = file
        self.entries = entries
    }

    /// Reads and checks a manifest: every required column present, numbers parseable (`log_dose` finite or
    /// `-inf`, `time` finite and ≥ 0), split one of train/val/test, no condition twice. Errors name the file,
    /// the line and the field. With `requireSplit: false` a table without a `split` column is accepted (a
    /// condition table to be split) and every entry's split is "".
    public static func read(_ url: URL, requireSplit: Bool = true) throws -> ConditionManifest {
        try read(url, lines: TextFile.readTSV(url), requireSplit: requireSplit)
    }

    /// Parses already-read TSV records (header first) of the file `url`; see `read(_:requireSplit:)`.
    public static func read(_ url: URL, lines: [[String]], requireSplit: Bool = true) throws -> ConditionManifest {
        let file = url.path
        guard let header = lines.first else { throw InputError("\(file): empty manifest, expected a header line") }
        var column: [String: Int] = [:]
        let hasSplit = header.contains("split")
        for name in requiredColumns where name != "split" || requireSplit || hasSplit {
            guard let index = header.firstIndex(of: name) else {
                throw InputError(
                    "\(file): line 1: missing column '\(name)'; the manifest needs \(requiredColumns.joined(separator: ", ")) (tab-separated), found \(header.joined(separator: ", "))"
                )
            }
            column[name] = index
        }
        let width = header.count
        var entries: [Entry] = []
        entries.reserveCapacity(lines.count - 1)
        var seen: [String: Int] = [:]
        seen.reserveCapacity(lines.count - 1)
        for (offset, values) in lines.dropFirst().enumerated() {
            let line = offset + 2
            if values.count == 1 && values[0].isEmpty { continue }
            guard values.count == width else {
                throw InputError("\(file): line \(line): \(values.count) fields, the header has \(width)")
            }
            func text(_ name: String) throws -> String {
                let value = values[column[name]!]
                guard !value.isEmpty else { throw InputError("\(file): line \(line): field '\(name)' is empty") }
                return value
            }
            let logDoseText = try text("log_dose"), timeText = try text("time")
            let logDose: Double
            if logDoseText == "-inf" || logDoseText == "-Infinity" {
                logDose = -.infinity
            } else {
                guard let v = Double(logDoseText), v.isFinite else {
                    throw InputError(
                        "\(file): line \(line): field 'log_dose' is '\(logDoseText)', expected a number or -inf")
                }
                logDose = v
            }
            guard let time = Double(timeText), time.isFinite, time >= 0 else {
                throw InputError("\(file): line \(line): field 'time' is '\(timeText)', expected hours ≥ 0")
            }
            let split = hasSplit ? try text("split") : ""
            guard !hasSplit || splitNames.contains(split) else {
                throw InputError("\(file): line \(line): field 'split' is '\(split)', expected train, val or test")
            }
            let entry = Entry(
                dataset: try text("dataset"), context: try text("context"), perturbation: try text("perturbation"),
                logDose: logDose, timeHours: time, split: split, line: line)
            let id = entry.condition.id
            if let first = seen[id] {
                throw InputError("\(file): line \(line): duplicate condition \(id) (first at line \(first))")
            }
            seen[id] = line
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw InputError("\(file): the manifest has a header but no conditions") }
        return ConditionManifest(file: file, entries: entries)
    }

    /// Dataset names in first-seen order.
    public var datasets: [String] {
        var seen = Set<String>()
        return entries.compactMap { seen.insert($0.dataset).inserted ? $0.dataset : nil }
    }

    /// A seeded subset holding whole molecules: a share `fraction` of the distinct perturbations (at least one),
    /// chosen in a seeded order, with every row of each one kept — so a molecule's split stays as it was.
    public func keepingFraction(_ fraction: Double, seed: UInt64) -> ConditionManifest {
        precondition(fraction > 0 && fraction <= 1, "fraction must be in (0, 1]")
        if fraction == 1 { return self }
        let molecules = Array(Set(entries.map(\.perturbation))).sorted()
        var rng = SeededRNG.derived(seed: seed, label: "manifest:fraction")
        let count = max(1, Int((fraction * Double(molecules.count)).rounded()))
        let kept = Set(seededShuffle(molecules, &rng).prefix(count))
        return ConditionManifest(file: file, entries: entries.filter { kept.contains($0.perturbation) })
    }

    /// The manifest's own split as a split assignment keyed by condition id.
    public var splitAssignment: SplitAssignment {
        SplitAssignment(
            kind: "manifest", seed: 0, parameters: [("source", file)],
            entries: entries.map {
                let c = $0.condition
                return SplitAssignment.Entry(
                    conditionId: c.id, dataset: c.dataset, context: c.context,
                    compounds: c.compounds, split: $0.split)
            })
    }
}
