import Foundation
import PerturbBase

/// The DE-gene definition of the agreement metrics (seed spec §5.3 `DEG_DEFINITIONS`): `p05` = adjusted P < 0.05;
/// `p05_lfc02` additionally requires |logFC| > 0.2.
public enum DEDefinition: String, CaseIterable, Sendable {
    case p05
    case p05Lfc02 = "p05_lfc02"

    /// The adjusted-P cut of both definitions (`DEG_P_THRESHOLD`).
    public static let pThreshold = 0.05
    /// The |logFC| cut of `p05_lfc02` (`DEG_ABS_LOGFC_THRESHOLD`).
    public static let logFCThreshold = 0.2
}

/// How one dataset's DE genes were called.
public enum DERule: Hashable, Sendable, CustomStringConvertible {
    /// Adjusted p-values read from the named layer of the effects file.
    case adjustedP(layer: String)
    /// Benjamini–Hochberg adjusted within each condition (one contrast) from the raw p-values of the named layer.
    case benjaminiHochberg(layer: String)
    /// No p-value layer: a gene is DE when |logFC| exceeds the threshold. Not the reference's rule; reports flag it.
    case logFCFallback(threshold: Double)

    /// Whether this is the |logFC| fallback rather than the reference's adjusted-P rule.
    public var isFallback: Bool {
        if case .logFCFallback = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .adjustedP(let layer): return "adjusted P < 0.05 (layer \(layer))"
        case .benjaminiHochberg(let layer): return "BH-adjusted P < 0.05 (BH per condition from layer \(layer))"
        case .logFCFallback(let t): return "FALLBACK |logFC| > \(String(format: "%g", t)) (no p-value layer)"
        }
    }
}

/// Settings of the DE call.
public struct DEOptions: Sendable {
    public var definition: DEDefinition
    /// |logFC| threshold of the fallback rule for files without p-values.
    public var fallbackThreshold: Double

    public init(definition: DEDefinition = .p05, fallbackThreshold: Double = 1.0) {
        self.definition = definition
        self.fallbackThreshold = fallbackThreshold
    }
}

/// A dataset's DE mask (row-major like its values) and the rule that made it.
public struct DECall: Sendable {
    public var mask: [Bool]
    public var rule: DERule

    public init(mask: [Bool], rule: DERule) {
        self.mask = mask
        self.rule = rule
    }
}

/// Calls DE genes per condition from an effects file's layers (seed spec §5.3 `deg_mask`, adjP layer preference).
///
/// The reference reads `adj.P.Value.within_one_contrast` (topTable's BH over the genes of one contrast), else
/// `adj.P.Value.across_all_contrasts`; its files always carry the first. Rule selection here, in order: a
/// within-contrast adjusted-P layer (`adj_pvalue_within`, `adj.P.Value.within_one_contrast`, OP3's per-contrast
/// `adj.P.Value`); else BH within each condition from a raw p-value layer (`pvalue`, `P.Value`), which equals the
/// within-contrast adjustment; else an across-contrast adjusted-P layer (`adj_pvalue`,
/// `adj.P.Value.across_all_contrasts`); else the flagged |logFC| fallback. A gene is DE when it is measured,
/// logFC and adjusted P are finite and adjusted P < 0.05 (and, for `p05_lfc02`, |logFC| > 0.2).
public enum DifferentialExpression {
    /// Within-contrast adjusted-P layer names, in order of preference.
    public static let withinContrastLayers = ["adj_pvalue_within", "adj.P.Value.within_one_contrast", "adj.P.Value"]
    /// Raw p-value layer names, in order of preference.
    public static let rawPLayers = ["pvalue", "P.Value"]
    /// Across-contrast adjusted-P layer names, in order of preference.
    public static let acrossContrastLayers = ["adj_pvalue", "adj.P.Value.across_all_contrasts"]

    /// The rule for a file with these layers.
    public static func rule(layers: Set<String>, options: DEOptions) -> DERule {
        if let layer = withinContrastLayers.first(where: layers.contains) { return .adjustedP(layer: layer) }
        if let layer = rawPLayers.first(where: layers.contains) { return .benjaminiHochberg(layer: layer) }
        if let layer = acrossContrastLayers.first(where: layers.contains) { return .adjustedP(layer: layer) }
        return .logFCFallback(threshold: options.fallbackThreshold)
    }

    /// The DE mask of `rows × genes` values (row-major) under `rule`; `layer` holds the rule's p-values (ignored by
    /// the fallback).
    /// - Throws: when the rule needs a layer and `layer` is missing or has the wrong size.
    public static func call(
        values: [Float], measured: [Bool], genes: Int, layer: [Float]?, rule: DERule, options: DEOptions, source: String
    ) throws -> DECall {
        precondition(values.count == measured.count, "values and mask differ in length")
        if case .logFCFallback(let t) = rule {
            let mask = values.indices.map { measured[$0] && values[$0].isFinite && Double(abs(values[$0])) > t }
            return DECall(mask: mask, rule: rule)
        }
        guard let layer, layer.count == values.count else {
            throw InputError(
                "\(source): DE rule '\(rule)' needs a p-value layer of \(values.count) values, "
                    + "found \(layer.map { "\($0.count)" } ?? "none")")
        }
        var mask = [Bool](repeating: false, count: values.count)
        let rows = genes == 0 ? 0 : values.count / genes
        for r in 0..<rows {
            let range = (r * genes)..<((r + 1) * genes)
            var p = range.map { measured[$0] ? Double(layer[$0]) : .nan }
            if case .benjaminiHochberg = rule { p = benjaminiHochberg(p) }
            for (j, i) in range.enumerated() {
                let lfc = Double(values[i])
                guard measured[i], lfc.isFinite, p[j].isFinite, p[j] < DEDefinition.pThreshold else { continue }
                mask[i] = options.definition == .p05 || abs(lfc) > DEDefinition.logFCThreshold
            }
        }
        return DECall(mask: mask, rule: rule)
    }

    /// Benjamini–Hochberg adjusted p-values (R `p.adjust(p, "BH")`): over the m finite values sorted ascending,
    /// `min(1, min_{j ≥ i} m·p_(j)/j)`; non-finite entries stay NaN and do not count in m.
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let finite = p.indices.filter { p[$0].isFinite }.sorted { p[$0] != p[$1] ? p[$0] < p[$1] : $0 < $1 }
        var out = [Double](repeating: .nan, count: p.count)
        let m = Double(finite.count)
        var running = 1.0
        for rank in stride(from: finite.count, through: 1, by: -1) {
            let i = finite[rank - 1]
            running = min(running, m * p[i] / Double(rank))
            out[i] = running
        }
        return out
    }
}
