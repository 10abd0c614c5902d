import Foundation
import PerturbBase
import PerturbIO

/// A published split applied to other conditions: the paper's condition table (`df_annot_split.tsv.gz`: dataset,
/// context, perturbation = CID, log_dose, time, split) matched by (dataset, context, CID, log_dose, time), or its
/// held-out molecule list (`heldout_molecules.tsv`: dataset, split, molecule) applied by (dataset, CID) with the
/// reference's row rule (test if any molecule is test in the dataset, else val if any is val, else train).
///
/// Controls train. A condition that cannot be placed (its dataset is not in the file, a compound without a CID, a
/// combination, no published condition at its context/compound/time or at its dose) is reported with the reason
/// and left out of the assignment — never guessed, so no held-out molecule can leak into training.
public struct PublishedSplit: Sendable {
    /// A condition the published split does not cover, and why.
    public struct Unplaced: Sendable, Equatable {
        /// The condition's id (from `ids` when given to `apply`).
        public var conditionId: String
        public var condition: Condition
        public var reason: String
    }

    /// Tolerance on log10(dose µM) when matching a condition to a published one.
    public static let logDoseTolerance = 1e-6

    private enum Table: Sendable {
        /// (dataset, context, CID, time) → (log_dose, split) of the published conditions.
        case conditions([String: [(logDose: Double, split: String)]])
        /// dataset → CID → split.
        case molecules([String: [String: String]])
    }

    /// The file it was read from.
    public let file: String
    private let table: Table
    private let datasets: Set<String>

    /// Reads either layout (told apart by the header: a `molecule` column means the held-out molecule list).
    public static func read(_ url: URL) throws -> PublishedSplit {
        let lines = try TextFile.readTSV(url)
        guard let header = lines.first else { throw InputError("\(url.path): empty file, expected a published split") }
        if header.contains("molecule") { return try readMolecules(url, lines: lines) }
        let manifest = try ConditionManifest.read(url, lines: lines)
        var byKey: [String: [(logDose: Double, split: String)]] = [:]
        for e in manifest.entries {
            byKey[key(e.dataset, e.context, e.perturbation, e.timeHours), default: []].append((e.logDose, e.split))
        }
        return PublishedSplit(file: url.path, table: .conditions(byKey), datasets: Set(manifest.entries.map(\.dataset)))
    }

    private static func readMolecules(_ url: URL, lines: [[String]]) throws -> PublishedSplit {
        let header = lines[0]
        var column: [String: Int] = [:]
        for name in ["dataset", "split", "molecule"] {
            guard let i = header.firstIndex(of: name) else {
                throw InputError(
                    "\(url.path): line 1: missing column '\(name)' (a held-out molecule list needs dataset, split, molecule)"
                )
            }
            column[name] = i
        }
        var byDataset: [String: [String: String]] = [:]
        for (offset, fields) in lines.dropFirst().enumerated() where fields != [""] {
            let line = offset + 2
            guard fields.count == header.count else {
                throw InputError("\(url.path): line \(line): \(fields.count) fields, the header has \(header.count)")
            }
            let split = fields[column["split"]!]
            guard split == SplitAssignment.val || split == SplitAssignment.test else {
                throw InputError("\(url.path): line \(line): field 'split' is '\(split)', expected val or test")
            }
            guard let cid = Compound.normalizedCID(fields[column["molecule"]!]) else {
                throw InputError(
                    "\(url.path): line \(line): field 'molecule' is '\(fields[column["molecule"]!])', expected a PubChem CID"
                )
            }
            let dataset = fields[column["dataset"]!]
            if let other = byDataset[dataset]?[cid], other != split {
                throw InputError(
                    "\(url.path): line \(line): molecule \(cid) is both \(other) and \(split) in \(dataset)")
            }
            byDataset[dataset, default: [:]][cid] = split
        }
        return PublishedSplit(file: url.path, table: .molecules(byDataset), datasets: Set(byDataset.keys))
    }

    private static func key(_ dataset: String, _ context: String, _ cid: String, _ time: Double) -> String {
        [dataset, context, cid, String(time)].joined(separator: "\u{1}")
    }

    /// The published assignment of `conditions` (compounds already keyed by CID, see `CompoundKey.rekey`) and the
    /// conditions it cannot place. Entries follow the order of `conditions`, skipping the unplaced ones; entry ids
    /// are `ids` (one per condition, e.g. the ids before re-keying) or the conditions' own ids.
    public func apply(
        to conditions: [Condition], ids: [String]? = nil
    ) -> (assignment: SplitAssignment, unplaced: [Unplaced]) {
        precondition(ids == nil || ids!.count == conditions.count, "one id per condition")
        var entries: [SplitAssignment.Entry] = []
        var unplaced: [Unplaced] = []
        for (i, c) in conditions.enumerated() {
            switch place(c) {
            case .success(let split):
                entries.append(
                    .init(
                        conditionId: ids?[i] ?? c.id, dataset: c.dataset, context: c.context, compounds: c.compounds,
                        split: split))
            case .failure(let reason):
                unplaced.append(Unplaced(conditionId: ids?[i] ?? c.id, condition: c, reason: reason.text))
            }
        }
        let assignment = SplitAssignment(
            kind: "published", seed: 0, parameters: [("source", URL(fileURLWithPath: file).lastPathComponent)],
            entries: entries)
        return (assignment, unplaced)
    }

    private struct Reason: Error { var text: String }

    private func place(_ c: Condition) -> Result<String, Reason> {
        if c.isControl { return .success(SplitAssignment.train) }
        guard datasets.contains(c.dataset) else { return .failure(Reason(text: "dataset not in the published split")) }
        guard c.compounds.allSatisfy({ Compound.normalizedCID($0) == $0 }) else {
            return .failure(Reason(text: "compound without a PubChem CID"))
        }
        switch table {
        case .molecules(let byDataset):
            let splits = c.compounds.map { byDataset[c.dataset]?[$0] }
            if splits.contains(SplitAssignment.test) { return .success(SplitAssignment.test) }
            if splits.contains(SplitAssignment.val) { return .success(SplitAssignment.val) }
            return .success(SplitAssignment.train)
        case .conditions(let byKey):
            guard c.compounds.count == 1 else {
                return .failure(Reason(text: "combination (the published conditions are single compounds)"))
            }
            guard let time = c.timeHours else { return .failure(Reason(text: "no time")) }
            guard let candidates = byKey[Self.key(c.dataset, c.context, c.compounds[0], time)] else {
                return .failure(Reason(text: "no published condition with this context, compound and time"))
            }
            let logDose = c.doseMicromolar.map { $0 == 0 ? -Double.infinity : log10($0) }
            guard let logDose else { return .failure(Reason(text: "no dose")) }
            let match = candidates.first { $0.logDose == logDose || abs($0.logDose - logDose) <= Self.logDoseTolerance }
            guard let match else { return .failure(Reason(text: "no published condition at this dose")) }
            return .success(match.split)
        }
    }
}
