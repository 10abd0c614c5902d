import Foundation

/// One experimental condition: a compound set applied to a cellular context in a dataset at a dose and time.
///
/// `compounds` holds compound keys (InChIKey when the structure is known, else `name:<alias>`), sorted;
/// an empty list is a control. `replicate` is nil for pooled effects and names the replicate (e.g.
/// `plate:well`) for per-replicate effects kept for replicate-agreement diagnostics.
public struct Condition: Codable, Hashable, Sendable {
    public var dataset: String
    public var context: String
    public var compounds: [String]
    public var doseMicromolar: Double?
    public var timeHours: Double?
    public var replicate: String?

    public init(
        dataset: String, context: String, compounds: [String], doseMicromolar: Double?,
        timeHours: Double?, replicate: String? = nil
    ) {
        self.init(
            dataset: dataset, context: context, sortedCompounds: compounds.sorted(),
            doseMicromolar: doseMicromolar, timeHours: timeHours, replicate: replicate)
    }

    /// A condition whose `compounds` are already sorted (not sorted again, so the array's buffer is kept and can be
    /// shared between conditions).
    public init(
        dataset: String, context: String, sortedCompounds: [String], doseMicromolar: Double?,
        timeHours: Double?, replicate: String? = nil
    ) {
        self.dataset = dataset
        self.context = context
        self.compounds = sortedCompounds
        self.doseMicromolar = doseMicromolar
        self.timeHours = timeHours
        self.replicate = replicate
    }

    /// True for a vehicle/untreated control (no compound).
    public var isControl: Bool { compounds.isEmpty }

    /// The same condition without replicate identity (the pooled condition it belongs to).
    public var pooled: Condition {
        var copy = self
        copy.replicate = nil
        return copy
    }

    /// A readable unique identifier, used as the `.h5ad` obs index and as the key of split files:
    /// `dataset|context|key1+key2|dose_um|time_h[|replicate]` (missing dose/time written as `NA`).
    public var id: String {
        var parts = [
            dataset, context, compounds.isEmpty ? "control" : compounds.joined(separator: "+"),
            Condition.format(doseMicromolar), Condition.format(timeHours),
        ]
        if let replicate { parts.append(replicate) }
        return parts.joined(separator: "|")
    }

    /// Formats a dose/time with up to 6 significant digits, `NA` when missing.
    public static func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "NA" }
        if value == value.rounded() && abs(value) < 1e9 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }
}

/// A compound: its key (InChIKey, or `name:<alias>` when no structure is known), canonical SMILES
/// ("" when unknown), the names the datasets use for it and its PubChem CID ("" when unknown; the reference's
/// molecule identity, see `CompoundKey`).
public struct Compound: Codable, Hashable, Sendable {
    public var key: String
    public var canonicalSmiles: String
    public var aliases: [String]
    public var pubchemCID: String

    public init(key: String, canonicalSmiles: String, aliases: [String], pubchemCID: String = "") {
        self.key = key
        self.canonicalSmiles = canonicalSmiles
        self.aliases = aliases
        self.pubchemCID = pubchemCID
    }

    enum CodingKeys: String, CodingKey { case key, canonicalSmiles, aliases, pubchemCID }

    /// Decodes JSON written before CIDs were kept (no `pubchemCID` → "").
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        canonicalSmiles = try c.decode(String.self, forKey: .canonicalSmiles)
        aliases = try c.decode([String].self, forKey: .aliases)
        pubchemCID = try c.decodeIfPresent(String.self, forKey: .pubchemCID) ?? ""
    }

    /// Key used for compounds known only by name.
    public static func nameKey(_ name: String) -> String { "name:" + name }

    /// A PubChem CID as written in a table (`2244`, `2244.0`, ` 2244 `) in canonical decimal form, or nil when the
    /// text is not a positive integer (missing markers such as `NA`, `-666`, `nan`).
    public static func normalizedCID(_ text: String) -> String? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix(".0") { t.removeLast(2) }
        guard let value = UInt64(t), value > 0 else { return nil }
        return String(value)
    }

    /// Adds aliases not yet present, keeping first-seen order.
    public mutating func addAliases(_ names: [String]) {
        for name in names where !name.isEmpty && !aliases.contains(name) { aliases.append(name) }
    }
}
