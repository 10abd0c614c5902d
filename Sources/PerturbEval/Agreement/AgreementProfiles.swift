import Foundation
import PerturbBase

/// The identity of one condition-level profile (a row of logFC over genes) for agreement analyses.
public struct ProfileCondition: Hashable, Sendable {
    /// Cell line / cell type.
    public var context: String
    /// Compound key(s), sorted and joined with "+"; empty for a control.
    public var compound: String
    public var doseMicromolar: Double?
    public var timeHours: Double?
    /// Replicate id; nil for a pooled (all-replicate) profile.
    public var replicate: String?

    public init(
        context: String, compound: String, doseMicromolar: Double? = nil, timeHours: Double? = nil,
        replicate: String? = nil
    ) {
        self.context = context
        self.compound = compound
        self.doseMicromolar = doseMicromolar
        self.timeHours = timeHours
        self.replicate = replicate
    }

    /// `%.12g` of the dose (reference `dose_key`), "NA" when absent.
    public var doseKey: String { doseMicromolar.map { String(format: "%.12g", $0) } ?? "NA" }
    /// `%.12g` of the time (reference `time_key`), "NA" when absent.
    public var timeKey: String { timeHours.map { String(format: "%.12g", $0) } ?? "NA" }
    /// Same dose as `other` (equal `doseKey`s up to the last of 12 significant digits; absent matches absent),
    /// without formatting strings.
    public func sameDose(as other: ProfileCondition) -> Bool { Self.sameKey(doseMicromolar, other.doseMicromolar) }
    /// Same time as `other`, as `sameDose(as:)`.
    public func sameTime(as other: ProfileCondition) -> Bool { Self.sameKey(timeHours, other.timeHours) }

    static func sameKey(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return x == y || abs(x - y) <= 1e-12 * max(abs(x), abs(y))
        default: return false
        }
    }

    /// True for vehicle controls (no compound).
    public var isControl: Bool { compound.isEmpty }
}

/// One dataset's profiles over its own gene vocabulary: `values`, `measured` and the DE mask `de` are row-major
/// `conditions.count × genes.count`. Values where `measured` is false are ignored.
public struct ProfileSet: Sendable {
    public var dataset: String
    public var genes: [String]
    public var conditions: [ProfileCondition]
    public var values: [Float]
    public var measured: [Bool]
    /// Whether each gene of each row is DE (seed spec §5.3 `deg_mask`).
    public var de: [Bool]
    /// The DE rules of the set's rows (one unless files with different layers were joined).
    public var deRules: [DERule]

    /// A set; without `de` the genes are called DE by the |logFC| fallback at `DEOptions().fallbackThreshold`.
    /// - Throws: when the values, mask or DE mask do not have `conditions.count × genes.count` entries.
    public init(
        dataset: String, genes: [String], conditions: [ProfileCondition], values: [Float], measured: [Bool]? = nil,
        de: DECall? = nil
    ) throws {
        let expected = conditions.count * genes.count
        guard values.count == expected else {
            throw InputError(
                "dataset \(dataset): \(values.count) logFC values for \(conditions.count) conditions × "
                    + "\(genes.count) genes")
        }
        if let measured, measured.count != values.count {
            throw InputError(
                "dataset \(dataset): measured mask has \(measured.count) entries, expected \(values.count)")
        }
        if let de, de.mask.count != values.count {
            throw InputError("dataset \(dataset): DE mask has \(de.mask.count) entries, expected \(values.count)")
        }
        let mask = measured ?? [Bool](repeating: true, count: values.count)
        let call =
            try de
            ?? DifferentialExpression.call(
                values: values, measured: mask, genes: genes.count, layer: nil,
                rule: .logFCFallback(threshold: DEOptions().fallbackThreshold), options: DEOptions(), source: dataset)
        self.dataset = dataset
        self.genes = genes
        self.conditions = conditions
        self.values = values
        self.measured = mask
        self.de = call.mask
        self.deRules = [call.rule]
    }

    /// Whether gene `g` of row `r` is measured and finite.
    @inline(__always)
    func usable(_ r: Int, _ g: Int) -> Bool {
        let i = r * genes.count + g
        return measured[i] && values[i].isFinite
    }

    /// The value of gene `g` in row `r`, NaN where not usable.
    @inline(__always)
    func value(_ r: Int, _ g: Int) -> Double {
        usable(r, g) ? Double(values[r * genes.count + g]) : .nan
    }

    /// Whether gene `g` of row `r` is DE.
    @inline(__always)
    func isDE(_ r: Int, _ g: Int) -> Bool { de[r * genes.count + g] }

    /// Rows compared across datasets: non-control pooled rows (every non-control row when the dataset has no pooled
    /// rows) with, under `rules`, a finite dose > 0 and a finite time (reference `ensure_overlap_frame_schema`).
    public func crossDatasetRows(rules: MatchRules = MatchRules()) -> [Int] {
        let treated = conditions.indices.filter { !conditions[$0].isControl }
        let pooled = treated.filter { conditions[$0].replicate == nil }
        return (pooled.isEmpty ? treated : pooled).filter {
            let c = conditions[$0]
            let doseOK = !rules.dose || (c.doseMicromolar.map { $0.isFinite && $0 > 0 } ?? false)
            let timeOK = !rules.time || (c.timeHours?.isFinite ?? false)
            return doseOK && timeOK
        }
    }

    /// Non-control rows that carry a replicate id.
    public var replicateRows: [Int] {
        conditions.indices.filter { !conditions[$0].isControl && conditions[$0].replicate != nil }
    }
}

extension ProfileSet {
    /// Joins sets that carry the same dataset name (e.g. a pooled effects file and its per-replicate file) by
    /// appending their rows; order of first appearance is kept.
    /// - Throws: when sets of one dataset have different gene lists.
    public static func mergingDatasets(_ sets: [ProfileSet]) throws -> [ProfileSet] {
        var merged: [ProfileSet] = []
        for set in sets {
            guard let i = merged.firstIndex(where: { $0.dataset == set.dataset }) else {
                merged.append(set)
                continue
            }
            guard merged[i].genes == set.genes else {
                throw InputError(
                    "dataset '\(set.dataset)' appears in several inputs with different gene lists "
                        + "(\(merged[i].genes.count) vs \(set.genes.count) genes); give it once or write the files "
                        + "from the same source")
            }
            merged[i].conditions += set.conditions
            merged[i].values += set.values
            merged[i].measured += set.measured
            merged[i].de += set.de
            for rule in set.deRules where !merged[i].deRules.contains(rule) { merged[i].deRules.append(rule) }
        }
        return merged
    }
}
