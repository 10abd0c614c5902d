import Foundation
import PerturbBase

/// Which condition fields two profiles must share, besides the compound, to count as a matched pair.
public struct MatchRules: Equatable, Sendable, CustomStringConvertible {
    /// Same cell line / cell type.
    public var context: Bool
    /// Comparable dose: across datasets, mutual-nearest doses within `maxDoseFold` (reference `pair_match_frame`);
    /// within a dataset, the same dose.
    public var dose: Bool
    /// Same time point (`%.12g` key; absent matches absent).
    public var time: Bool
    /// Largest allowed dose ratio max(dA/dB, dB/dA) for a dose match (reference `max_dose_fold_difference` = 10).
    public var maxDoseFold: Double
    /// Cross-dataset contexts (cell type, time) are kept only with at least this many distinct matched compounds
    /// (reference `min_context_shared_drugs` = 10).
    public var minContextCompounds: Int

    public init(
        context: Bool = true, dose: Bool = true, time: Bool = true, maxDoseFold: Double = 10,
        minContextCompounds: Int = 10
    ) {
        self.context = context
        self.dose = dose
        self.time = time
        self.maxDoseFold = maxDoseFold
        self.minContextCompounds = minContextCompounds
    }

    /// Parses a comma-separated list of `context`, `dose`, `time` (or `compound` / `none` for compound only).
    public static func parse(
        _ text: String, maxDoseFold: Double = 10, minContextCompounds: Int = 10
    ) throws -> MatchRules {
        var rules = MatchRules(
            context: false, dose: false, time: false, maxDoseFold: maxDoseFold, minContextCompounds: minContextCompounds
        )
        for raw in text.split(separator: ",") {
            switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
            case "context": rules.context = true
            case "dose": rules.dose = true
            case "time": rules.time = true
            case "compound", "none", "": break
            default:
                throw InputError(
                    "--match: unknown rule '\(raw)'; use a comma-separated list of context, dose, time (or none)")
            }
        }
        return rules
    }

    public var description: String {
        let names = [context ? "context" : nil, dose ? "dose" : nil, time ? "time" : nil].compactMap { $0 }
        return (["compound"] + names).joined(separator: ",")
    }
}
