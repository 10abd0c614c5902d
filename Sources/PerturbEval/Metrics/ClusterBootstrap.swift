import Foundation
import PerturbBase

/// A bootstrap confidence interval for a mean.
public struct ConfidenceInterval: Equatable, Sendable {
    /// How the interval was obtained.
    public enum Method: String, Sendable {
        /// Bias-corrected and accelerated (BCa) percentile interval.
        case bca
        /// Plain percentile interval (requested, or the BCa fallback when the acceleration is undefined).
        case percentile
        /// Every bootstrap draw gave the same value: the interval is the point estimate.
        case degenerate
        /// Too few clusters (< 2) or valid draws (< 20): low and high are NaN.
        case notEstimable = "not_estimable"
    }
    /// The statistic on the full data.
    public var estimate: Double
    public var low: Double
    public var high: Double
    public var method: Method
    /// Number of clusters (independent units) resampled.
    public var clusters: Int
}

/// Options of a bootstrap.
public struct BootstrapOptions: Sendable {
    /// Number of bootstrap draws.
    public var draws: Int
    /// Two-sided coverage, e.g. 0.95.
    public var level: Double
    /// Seed; each interval derives its own stream from the seed and a label, so results do not depend on order.
    public var seed: UInt64
    /// BCa (with the reference's fallbacks) or plain percentile.
    public var bca: Bool

    public init(draws: Int = 2000, level: Double = 0.95, seed: UInt64 = 20_260_505, bca: Bool = true) {
        self.draws = draws
        self.level = level
        self.seed = seed
        self.bca = bca
    }
}

/// Compound-clustered (nested) bootstrap of a mean, after the reference `cluster_bca_nested_mean_ci_table`
/// (spec §5.4): whole clusters (compounds) are resampled with replacement, taking all of their rows.
///
/// Statistic: with strata (e.g. cell type), the mean over strata of each stratum's mean `Σ sum / Σ count` over the
/// drawn clusters (strata with no rows in a draw are skipped); without strata, the plain mean of all rows. With an
/// outer level (`outer_cols`, e.g. the retrieval direction of Table 9), each stratum belongs to one outer group and
/// the statistic is the mean over outer groups (those with rows in the draw) of the mean of their stratum means.
/// BCa: `z0 = Φ⁻¹(clip(#{boot < θ̂}/B, 1/(2B), 1 − 1/(2B)))`, acceleration from the leave-one-cluster-out jackknife
/// `a = Σd³ / (6 (Σd²)^1.5)`, `d = mean(jack) − jack`; levels `Φ(z0 + (z0 + z_α)/(1 − a(z0 + z_α)))`; quantiles with
/// linear interpolation (numpy default). Fallbacks as the reference: < 2 clusters or < 20 valid draws → not
/// estimable; zero bootstrap variance → degenerate; < 3 jackknife values or `a` zero/non-finite → percentile.
/// The random stream is `SeededRNG` (not numpy's), so intervals match the reference in method, not in digits.
public enum ClusterBootstrap {
    /// Confidence interval of the (stratified, optionally outer-grouped) mean of `values`; rows with a non-finite
    /// value or an empty cluster id are dropped first. `outer` gives each row's outer group and needs `strata`; every
    /// stratum must lie in one outer group (the reference requires `outer_cols ⊆ inner_cols`). `label` names the
    /// quantity (it selects the random stream).
    public static func meanCI(
        values: [Double], clusters: [String], strata: [String]? = nil, outer: [String]? = nil,
        options: BootstrapOptions, label: String
    ) -> ConfidenceInterval {
        let table = NestedMeanTable(values: values, clusters: clusters, strata: strata, outer: outer)
        let nc = table.clusters
        let statistic = table.statistic
        let estimate = nc > 0 ? statistic([Double](repeating: 1, count: nc)) : .nan
        guard nc >= 2 else {
            return ConfidenceInterval(estimate: estimate, low: .nan, high: .nan, method: .notEstimable, clusters: nc)
        }
        var rng = SeededRNG.derived(seed: options.seed, label: label)
        var boot: [Double] = []
        boot.reserveCapacity(options.draws)
        var weights = [Double](repeating: 0, count: nc)
        for _ in 0..<options.draws {
            for c in 0..<nc { weights[c] = 0 }
            for _ in 0..<nc { weights[rng.nextInt(below: nc)] += 1 }
            let v = statistic(weights)
            if v.isFinite { boot.append(v) }
        }
        guard boot.count >= 20 else {
            return ConfidenceInterval(estimate: estimate, low: .nan, high: .nan, method: .notEstimable, clusters: nc)
        }
        boot.sort()
        if boot.first! == boot.last! {
            return ConfidenceInterval(
                estimate: estimate, low: estimate, high: estimate, method: .degenerate, clusters: nc)
        }
        let alpha = (1 - options.level) / 2
        let percentile = ConfidenceInterval(
            estimate: estimate, low: quantile(sorted: boot, alpha), high: quantile(sorted: boot, 1 - alpha),
            method: .percentile, clusters: nc)
        guard options.bca else { return percentile }
        var jack: [Double] = []
        for left in 0..<nc {
            var w = [Double](repeating: 1, count: nc)
            w[left] = 0
            let v = statistic(w)
            if v.isFinite { jack.append(v) }
        }
        guard jack.count >= 3 else { return percentile }
        guard let (lo, hi) = bcaLevels(sortedBoot: boot, estimate: estimate, jackknife: jack, alpha: alpha) else {
            return percentile
        }
        return ConfidenceInterval(
            estimate: estimate, low: quantile(sorted: boot, lo), high: quantile(sorted: boot, hi), method: .bca,
            clusters: nc)
    }

    /// The statistic of `meanCI` on the full data without resampling: the mean over strata of each stratum's mean
    /// (the plain mean without strata; with `outer`, the mean over outer groups of their stratum means), after the
    /// same row filter; NaN when no row is left.
    public static func nestedMean(
        values: [Double], clusters: [String], strata: [String]? = nil, outer: [String]? = nil
    ) -> Double {
        let table = NestedMeanTable(values: values, clusters: clusters, strata: strata, outer: outer)
        return table.clusters > 0 ? table.statistic([Double](repeating: 1, count: table.clusters)) : .nan
    }

    /// Bootstrap over independent conditions: every row is its own cluster.
    public static func meanCI(values: [Double], options: BootstrapOptions, label: String) -> ConfidenceInterval {
        meanCI(values: values, clusters: values.indices.map(String.init), options: options, label: label)
    }

    /// BCa-adjusted quantile levels for a two-sided interval with tail `alpha`, or nil when the acceleration is
    /// zero or non-finite (the caller then falls back to the percentile interval).
    static func bcaLevels(
        sortedBoot boot: [Double], estimate: Double, jackknife jack: [Double], alpha: Double
    ) -> (Double, Double)? {
        let jackMean = jack.reduce(0, +) / Double(jack.count)
        var d2 = 0.0, d3 = 0.0
        for v in jack { let d = jackMean - v; d2 += d * d; d3 += d * d * d }
        let a = d3 / (6 * pow(d2, 1.5))
        guard a.isFinite && a != 0 else { return nil }
        let b = Double(boot.count)
        let below = Double(boot.filter { $0 < estimate }.count) / b
        let z0 = NormalDistribution.quantile(min(max(below, 1 / (2 * b)), 1 - 1 / (2 * b)))
        func adjusted(_ level: Double) -> Double {
            let z = z0 + NormalDistribution.quantile(level)
            return NormalDistribution.cdf(z0 + z / (1 - a * z))
        }
        let lo = adjusted(alpha), hi = adjusted(1 - alpha)
        return lo.isFinite && hi.isFinite ? (lo, hi) : nil
    }

    /// The `q` quantile of sorted values with linear interpolation (numpy `quantile` default, R type 7).
    public static func quantile(sorted x: [Double], _ q: Double) -> Double {
        precondition(!x.isEmpty, "quantile of an empty array")
        let h = Double(x.count - 1) * min(max(q, 0), 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, x.count - 1)
        return x[lo] + (h - Double(lo)) * (x[hi] - x[lo])
    }
}

/// Per-cluster, per-stratum sums and counts of the finite values with a cluster id, each stratum's outer group, and
/// the nested mean for given cluster weights (the number of times each cluster is drawn).
struct NestedMeanTable {
    let clusters: Int
    let strata: Int
    let sums: [Double]
    let counts: [Double]
    /// Outer group of each stratum (all 0 without an outer level) and the number of outer groups.
    let outerOfStratum: [Int]
    let outerGroups: Int

    init(values: [Double], clusters: [String], strata: [String]?, outer: [String]? = nil) {
        precondition(values.count == clusters.count, "values and clusters differ in length")
        precondition(strata == nil || strata!.count == values.count, "values and strata differ in length")
        precondition(
            outer == nil || (strata != nil && outer!.count == values.count),
            "an outer level needs strata and one outer group per row")
        var clusterIndex = [String: Int](), stratumIndex = [String: Int](), outerIndex = [String: Int]()
        var outerOfStratum: [Int] = []
        var rows: [(cluster: Int, stratum: Int, value: Double)] = []
        for i in values.indices where values[i].isFinite && !clusters[i].isEmpty {
            let c = clusterIndex[clusters[i], default: clusterIndex.count]
            clusterIndex[clusters[i]] = c
            let key = strata?[i] ?? ""
            let s = stratumIndex[key, default: stratumIndex.count]
            stratumIndex[key] = s
            let o = outerIndex[outer?[i] ?? "", default: outerIndex.count]
            outerIndex[outer?[i] ?? ""] = o
            if s == outerOfStratum.count { outerOfStratum.append(o) }
            precondition(
                outerOfStratum[s] == o,
                "stratum '\(key)' lies in two outer groups; outer must be a coarsening of strata")
            rows.append((c, s, values[i]))
        }
        let nc = clusterIndex.count, ns = max(1, stratumIndex.count)
        var sums = [Double](repeating: 0, count: nc * ns), counts = [Double](repeating: 0, count: nc * ns)
        for row in rows {
            sums[row.cluster * ns + row.stratum] += row.value; counts[row.cluster * ns + row.stratum] += 1
        }
        self.clusters = nc
        self.strata = ns
        self.sums = sums
        self.counts = counts
        self.outerOfStratum = outerOfStratum.isEmpty ? [0] : outerOfStratum
        self.outerGroups = max(1, outerIndex.count)
    }

    /// Mean over outer groups with rows in the weighted draw of the mean over their strata with rows of
    /// `Σ w·sum / Σ w·count` (one outer group: the mean over strata); NaN when no stratum has rows.
    func statistic(_ weights: [Double]) -> Double {
        var groupSums = [Double](repeating: 0, count: outerGroups)
        var groupUsed = [Int](repeating: 0, count: outerGroups)
        for s in 0..<strata {
            var sum = 0.0, count = 0.0
            for c in 0..<clusters where weights[c] != 0 {
                sum += weights[c] * sums[c * strata + s]; count += weights[c] * counts[c * strata + s]
            }
            if count > 0 { groupSums[outerOfStratum[s]] += sum / count; groupUsed[outerOfStratum[s]] += 1 }
        }
        var total = 0.0, used = 0
        for o in 0..<outerGroups where groupUsed[o] > 0 { total += groupSums[o] / Double(groupUsed[o]); used += 1 }
        return used > 0 ? total / Double(used) : .nan
    }
}
