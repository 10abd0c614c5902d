import Foundation
import PerturbBase
import PerturbData

/// One dataset's paired comparison of a family with the baseline on the seed-averaged unit RMSEs (seed spec §6.3).
public struct HoldoutPairedDelta: Sendable {
    public var dataset: String
    public var baseline: String
    public var family: String
    /// Units scored by both families.
    public var units: Int
    /// Distinct molecules (bootstrap clusters) among them.
    public var molecules: Int
    /// `Δ̂`: the nested mean of the unit deltas `Δ = RMSE(baseline) − RMSE(family)` (positive = the family is better),
    /// i.e. the mean over (context, time) strata of each stratum's mean Δ, with its compound-clustered BCa CI.
    public var interval: ConfidenceInterval
    /// The same nested mean of the win indicator `Δ > 0` (a tie is not a win).
    public var nestedWinRate: Double
    /// Fraction of molecules whose plain mean Δ over their units is > 0.
    public var compoundWinRate: Double
    /// Welch t-test of the baseline's per-seed test RMSEs (pooled over the dataset's test values) against the
    /// family's: t > 0 when the baseline's mean RMSE is higher. nil with fewer than 2 seeds in either family.
    public var welch: WelchTTest.Result?
    /// Holm-adjusted Welch p over the datasets of this family's comparison; NaN without a Welch test.
    public var holmP: Double
}

/// A family against the baseline across datasets: the Wilcoxon signed-rank test of the per-dataset deltas of the
/// seed-mean pooled test RMSE, `mean_seeds RMSE(baseline) − mean_seeds RMSE(family)` (as the reference
/// `result_t_tests.ipynb`, not the unit-level Δ̂).
public struct HoldoutAcrossDatasets: Sendable {
    public var baseline: String
    public var family: String
    /// Datasets where both families have test RMSEs, with their deltas in the same order.
    public var datasets: [String]
    public var deltas: [Double]
    /// Datasets with Δ > 0 (the family better).
    public var wins: Int
    public var meanDelta: Double
    /// Median (the mean of the two middle values for an even count, as numpy).
    public var medianDelta: Double
    /// One-sided test that the family is better (`alternative="greater"`); its statistic is `W = R+`.
    public var greater: WilcoxonSignedRank.Result?
    /// Two-sided test (statistic `min(R+, R−)`).
    public var twoSided: WilcoxonSignedRank.Result?
}

/// The paper's holdout statistics: paired unit-level deltas between a baseline family and each compared family per
/// dataset (clusters = molecules, inner strata = context × time), per-dataset Welch t-tests with Holm correction, and
/// the Wilcoxon signed-rank test across datasets.
public struct HoldoutComparison: Sendable {
    public var baseline: String
    public var families: [String]
    public var bootstrap: BootstrapOptions
    /// Per compared family, then per dataset in the given order (datasets without shared units are left out).
    public var deltas: [HoldoutPairedDelta]
    /// One per compared family with at least one dataset.
    public var acrossDatasets: [HoldoutAcrossDatasets]

    /// The default reference is `scratch_target_only` when selected, else the first selected scratch family; the
    /// compared families are the other selected families that are not trained from scratch (the transfer families).
    /// nil when there is no baseline or nothing to compare it with; throws when `baseline` is given but not selected.
    public static func families(
        selected: [HoldoutFamily], baseline: HoldoutFamily?
    ) throws -> (baseline: HoldoutFamily, compared: [HoldoutFamily])? {
        if let baseline, !selected.contains(baseline) {
            throw InputError(
                "--baseline-family: \(baseline.rawValue) is not among --families (\(selected.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let fallback =
            selected.contains(.scratchTargetOnly)
            ? .scratchTargetOnly : selected.first { $0.training == .scratchTarget }
        guard let chosen = baseline ?? fallback else { return nil }
        let compared = selected.filter { $0 != chosen && $0.training != .scratchTarget }
        return compared.isEmpty ? nil : (chosen, compared)
    }

    /// Computes every statistic from the seed-averaged unit scores and the pooled per-seed test RMSEs
    /// (`measurements` with split `test` and metric `rmse`).
    public init(
        units: [HoldoutUnitScore], measurements: [HoldoutMeasurement], baseline: String, families: [String],
        datasets: [String], bootstrap: BootstrapOptions
    ) {
        self.baseline = baseline
        self.families = families
        self.bootstrap = bootstrap
        var unitRMSE: [String: [String: [(HoldoutUnit, Double)]]] = [:]
        for u in units { unitRMSE[u.family, default: [:]][u.dataset, default: []].append((u.unit, u.rmse)) }
        var seedRMSE: [String: [String: [Double]]] = [:]
        for m in measurements where m.split == SplitAssignment.test && m.metric == "rmse" && m.value.isFinite {
            seedRMSE[m.family, default: [:]][m.dataset, default: []].append(m.value)
        }
        var deltas: [HoldoutPairedDelta] = [], across: [HoldoutAcrossDatasets] = []
        for family in families {
            var rows: [HoldoutPairedDelta] = []
            for dataset in datasets {
                guard
                    var row = Self.pairedDelta(
                        dataset: dataset, baseline: baseline, family: family,
                        baselineUnits: unitRMSE[baseline]?[dataset] ?? [],
                        familyUnits: unitRMSE[family]?[dataset] ?? [],
                        options: bootstrap)
                else { continue }
                if let a = seedRMSE[baseline]?[dataset], let b = seedRMSE[family]?[dataset] {
                    row.welch = WelchTTest.test(a, b)
                }
                rows.append(row)
            }
            for (i, p) in HolmCorrection.adjust(rows.map { $0.welch?.pValue ?? .nan }).enumerated() {
                rows[i].holmP = p
            }
            deltas += rows
            let paired = datasets.compactMap { d -> (String, Double)? in
                guard let a = seedRMSE[baseline]?[d], let b = seedRMSE[family]?[d],
                    let ma = VectorStatistics.finiteMean(a), let mb = VectorStatistics.finiteMean(b)
                else { return nil }
                return (d, ma - mb)
            }
            if !paired.isEmpty { across.append(Self.acrossDatasets(baseline: baseline, family: family, paired)) }
        }
        self.deltas = deltas
        self.acrossDatasets = across
    }

    /// Δ̂ with its CI and the win rates of one dataset from the two families' unit RMSEs (units scored by both are
    /// paired, in the baseline's order); nil when no unit is shared. The Welch test is left for the caller.
    static func pairedDelta(
        dataset: String, baseline: String, family: String, baselineUnits: [(HoldoutUnit, Double)],
        familyUnits: [(HoldoutUnit, Double)], options: BootstrapOptions
    ) -> HoldoutPairedDelta? {
        let familyRMSE = Dictionary(familyUnits, uniquingKeysWith: { first, _ in first })
        let pairs = baselineUnits.compactMap { unit, rmse in familyRMSE[unit].map { (unit, rmse - $0) } }
        guard !pairs.isEmpty else { return nil }
        let molecules = pairs.map(\.0.molecule), strata = pairs.map(\.0.stratum), delta = pairs.map(\.1)
        let interval = ClusterBootstrap.meanCI(
            values: delta, clusters: molecules, strata: strata, options: options,
            label: "holdout|\(dataset)|\(baseline)|\(family)")
        let wins = ClusterBootstrap.nestedMean(
            values: delta.map { $0 > 0 ? 1 : 0 }, clusters: molecules, strata: strata)
        var perMolecule: [String: (sum: Double, count: Int)] = [:]
        for (m, d) in zip(molecules, delta) { perMolecule[m, default: (0, 0)].sum += d; perMolecule[m]!.count += 1 }
        let moleculeWins = perMolecule.values.filter { $0.sum / Double($0.count) > 0 }.count
        return HoldoutPairedDelta(
            dataset: dataset, baseline: baseline, family: family, units: pairs.count, molecules: perMolecule.count,
            interval: interval, nestedWinRate: wins,
            compoundWinRate: Double(moleculeWins) / Double(perMolecule.count), welch: nil, holmP: .nan)
    }

    static func acrossDatasets(baseline: String, family: String, _ paired: [(String, Double)]) -> HoldoutAcrossDatasets
    {
        let d = paired.map(\.1), sorted = d.sorted(), n = d.count
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        return HoldoutAcrossDatasets(
            baseline: baseline, family: family, datasets: paired.map(\.0), deltas: d,
            wins: d.filter { $0 > 0 }.count, meanDelta: d.reduce(0, +) / Double(n), medianDelta: median,
            greater: WilcoxonSignedRank.test(d, alternative: .greater),
            twoSided: WilcoxonSignedRank.test(d, alternative: .twoSided))
    }
}
