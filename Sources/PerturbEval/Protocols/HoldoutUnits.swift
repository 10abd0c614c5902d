import Foundation
import PerturbData

/// A unit of the paired holdout statistics (seed spec §6.3): one molecule in one context at one dose and time of a
/// dataset. The molecule is the condition's compound set (keys joined by `+`, so a combination is one molecule).
public struct HoldoutUnit: Hashable, Codable, Sendable {
    public var molecule: String
    public var context: String
    public var doseMicromolar: Double?
    public var timeHours: Double?

    public init(molecule: String, context: String, doseMicromolar: Double?, timeHours: Double?) {
        self.molecule = molecule
        self.context = context
        self.doseMicromolar = doseMicromolar
        self.timeHours = timeHours
    }

    /// The unit a condition belongs to (its replicate, if any, is ignored).
    public init(_ condition: Condition) {
        self.init(
            molecule: condition.compounds.joined(separator: "+"), context: condition.context,
            doseMicromolar: condition.doseMicromolar, timeHours: condition.timeHours)
    }

    /// `log10` of the dose in µM (the reference's `log_dose`); nil when the dose is missing or not positive.
    public var logDose: Double? { doseMicromolar.flatMap { $0 > 0 && $0.isFinite ? log10($0) : nil } }

    /// The inner bootstrap stratum: context × time.
    public var stratum: String { context + "|" + Condition.format(timeHours) }
}

/// The squared errors of one test condition's measured genes under one family and seed.
public struct HoldoutConditionError: Codable, Sendable, Equatable {
    public var family: String
    public var seed: UInt64
    public var dataset: String
    public var unit: HoldoutUnit
    /// `Σ (y − ŷ)²` over the condition's measured genes.
    public var squaredError: Double
    /// Number of measured genes.
    public var count: Int

    public init(family: String, seed: UInt64, dataset: String, unit: HoldoutUnit, squaredError: Double, count: Int) {
        self.family = family
        self.seed = seed
        self.dataset = dataset
        self.unit = unit
        self.squaredError = squaredError
        self.count = count
    }
}

/// A unit's seed-averaged test RMSE under one family.
public struct HoldoutUnitScore: Sendable, Equatable {
    public var family: String
    public var dataset: String
    public var unit: HoldoutUnit
    /// Mean over seeds of the unit's RMSE, each pooled over the unit's conditions and measured genes.
    public var rmse: Double
    /// Number of seeds averaged.
    public var seeds: Int

    /// Seed-averages per-condition errors: per (family, dataset, unit, seed) the RMSE `√(Σ squared error / Σ count)`
    /// (over its genes; over all its conditions' genes when several conditions share a unit), then the mean over the
    /// seeds where the unit has measured genes. Rows keep the first-seen order of (family, dataset, unit).
    public static func seedMeans(_ errors: [HoldoutConditionError]) -> [HoldoutUnitScore] {
        struct Key: Hashable { var family: String; var dataset: String; var unit: HoldoutUnit }
        var order: [Key] = []
        var perSeed: [Key: [UInt64: (sse: Double, count: Int)]] = [:]
        for e in errors {
            let key = Key(family: e.family, dataset: e.dataset, unit: e.unit)
            if perSeed[key] == nil { order.append(key) }
            let sum = perSeed[key, default: [:]][e.seed] ?? (0, 0)
            perSeed[key, default: [:]][e.seed] = (sum.sse + e.squaredError, sum.count + e.count)
        }
        return order.compactMap { key in
            let rmses = perSeed[key]!.sorted { $0.key < $1.key }.map(\.value).filter { $0.count > 0 }
                .map { ($0.sse / Double($0.count)).squareRoot() }
            guard let mean = VectorStatistics.finiteMean(rmses) else { return nil }
            return HoldoutUnitScore(
                family: key.family, dataset: key.dataset, unit: key.unit, rmse: mean, seeds: rmses.count)
        }
    }
}
