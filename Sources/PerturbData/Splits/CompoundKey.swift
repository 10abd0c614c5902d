import Foundation

/// The identity a split gives a molecule: the file's own compound keys, or the PubChem CID as the reference does
/// (it keys molecules by CID and never merges salts or stereo-variants that PubChem keeps apart).
public enum CompoundKey: String, CaseIterable, Sendable {
    /// The effects file's compound keys (InChIKey after salt stripping; `name:<alias>` without a structure).
    case inchikey
    /// The PubChem CID; a compound without one keeps its own key (and is reported).
    case cid

    /// The CID a compound key stands for: the compound's recorded CID, else the key itself when it is a CID (the
    /// manifest corpus keys compounds by CID), else nil.
    public static func cid(of key: String, compounds: [String: Compound]) -> String? {
        if let cid = compounds[key]?.pubchemCID, !cid.isEmpty { return cid }
        return Compound.normalizedCID(key) == key ? key : nil
    }

    /// `conditions` with their compounds under this identity, and the compound keys that have no CID (always
    /// empty for `.inchikey`). Order and count are unchanged, so entry i still describes condition i.
    public func rekey(
        _ conditions: [Condition], compounds: [String: Compound]
    ) -> (conditions: [Condition], withoutCID: Set<String>) {
        guard self == .cid else { return (conditions, []) }
        var withoutCID = Set<String>()
        var cache: [String: String] = [:]
        let rekeyed = conditions.map { c -> Condition in
            var copy = c
            copy.compounds = c.compounds.map { key in
                if let known = cache[key] { return known }
                let cid = Self.cid(of: key, compounds: compounds)
                if cid == nil { withoutCID.insert(key) }
                cache[key] = cid ?? key
                return cid ?? key
            }.sorted()
            return copy
        }
        return (rekeyed, withoutCID)
    }
}

extension SplitAssignment {
    /// The assignment with each entry's condition id taken from `original` (the same conditions before `rekey`),
    /// so a split decided on CIDs still names the effects file's conditions.
    public func restoringConditionIds(_ original: [Condition]) -> SplitAssignment {
        precondition(original.count == entries.count, "one original condition per entry")
        var copy = self
        for i in copy.entries.indices { copy.entries[i].conditionId = original[i].id }
        return copy
    }
}
