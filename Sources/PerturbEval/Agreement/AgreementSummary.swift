import PerturbBase

/// Summary of one metric for one dataset pair (or one dataset's replicates).
///
/// Pairs are first averaged within drug-line-time units (first profile's context, time and compound; reference
/// `_drug_summary`), then the mean over units is reported with a compound-clustered bootstrap CI (clusters =
/// compounds). The margin is the same statistic of per-pair differences `observed − same-context baseline`
/// (positive = better than unrelated compounds for every metric except `scaled_rmse`, where negative is better).
public struct AgreementSummaryRow: Sendable {
    public var datasetA: String
    public var datasetB: String
    public var kind: PairKind
    public var metric: AgreementMetric
    /// Observed pairs with a finite value.
    public var pairs: Int
    /// Drug-line-time units with a finite value.
    public var units: Int
    /// Distinct compounds (bootstrap clusters).
    public var compounds: Int
    public var observed: ConfidenceInterval
    /// Unit-averaged mean of the same-context different-compound baseline pairs.
    public var baselineContext: Double
    /// Unit-averaged mean of the random baseline pairs.
    public var baselineRandom: Double
    /// Unit-averaged mean of the source-centroid baseline (the reference's published baseline).
    public var baselineCentroid: Double
    /// Mean of per-pair `observed − baseline_context`, with its CI.
    public var margin: ConfidenceInterval
    /// `observed − baselineRandom` (difference of means).
    public var marginRandom: Double
    /// Mean of per-pair `observed − source-centroid baseline`, with its CI (reference `delta_vs_source_centroid`).
    public var marginCentroid: ConfidenceInterval
}

extension AgreementAnalysis {
    /// Summaries per (dataset pair or dataset, kind, metric), dataset pairs in input order, replicates last.
    public func summarize(bootstrap: BootstrapOptions) -> [AgreementSummaryRow] {
        struct Group { var kind: PairKind; var a: Int; var b: Int }
        var groups: [Group] = []
        var members = [String: [Int]]()
        for (p, pair) in pairs.enumerated() where pair.role == .observed {
            let key = "\(pair.kind.rawValue)|\(pair.a.set)|\(pair.b.set)"
            if members[key] == nil { groups.append(Group(kind: pair.kind, a: pair.a.set, b: pair.b.set)) }
            members[key, default: []].append(p)
        }
        var baselines = [Int: [PairRole: [Int]]]()
        for (p, pair) in pairs.enumerated() where pair.role != .observed { baselines[pair.observed, default: [:]][pair.role, default: []].append(p) }
        var rows: [AgreementSummaryRow] = []
        for group in groups {
            let observed = members["\(group.kind.rawValue)|\(group.a)|\(group.b)"]!
            let unitOf = observed.map { p -> String in
                let c = sets[pairs[p].a.set].conditions[pairs[p].a.row]
                return [c.context, c.timeKey, c.compound].joined(separator: "\u{1F}")
            }
            let compoundOf = observed.map { sets[pairs[$0].a.set].conditions[pairs[$0].a.row].compound }
            for metric in AgreementMetric.allCases {
                func baselineValue(_ p: Int, _ role: PairRole) -> Double {
                    VectorStatistics.finiteMean((baselines[p]?[role] ?? []).map { pairs[$0].scores[metric] ?? .nan }) ?? .nan
                }
                let values = observed.map { pairs[$0].scores[metric] ?? .nan }
                let context = observed.map { baselineValue($0, .baselineContext) }
                let random = observed.map { baselineValue($0, .baselineRandom) }
                let centroid = observed.map { baselineValue($0, .baselineSourceCentroid) }
                let deltas = zip(values, context).map { $0.isFinite && $1.isFinite ? $0 - $1 : .nan }
                let centroidDeltas = zip(values, centroid).map { $0.isFinite && $1.isFinite ? $0 - $1 : .nan }
                let (unitCentroidDeltas, centroidClusters) = Self.unitMeans(centroidDeltas, units: unitOf, clusters: compoundOf)
                let (unitValues, unitClusters) = Self.unitMeans(values, units: unitOf, clusters: compoundOf)
                let (unitDeltas, deltaClusters) = Self.unitMeans(deltas, units: unitOf, clusters: compoundOf)
                let label = "\(group.kind.rawValue)/\(sets[group.a].dataset)/\(sets[group.b].dataset)/\(metric.rawValue)"
                let ci = ClusterBootstrap.meanCI(values: unitValues, clusters: unitClusters, options: bootstrap, label: label)
                let marginCI = ClusterBootstrap.meanCI(values: unitDeltas, clusters: deltaClusters, options: bootstrap, label: label + "/margin")
                let randomMean = Self.unitAveragedMean(random, units: unitOf)
                let centroidCI = ClusterBootstrap.meanCI(values: unitCentroidDeltas, clusters: centroidClusters, options: bootstrap,
                                                         label: label + "/margin-centroid")
                rows.append(AgreementSummaryRow(
                    datasetA: sets[group.a].dataset, datasetB: sets[group.b].dataset, kind: group.kind, metric: metric,
                    pairs: values.filter(\.isFinite).count, units: unitValues.count, compounds: Set(unitClusters).count,
                    observed: ci, baselineContext: Self.unitAveragedMean(context, units: unitOf),
                    baselineRandom: randomMean, baselineCentroid: Self.unitAveragedMean(centroid, units: unitOf),
                    margin: marginCI, marginRandom: ci.estimate - randomMean, marginCentroid: centroidCI))
            }
        }
        return rows
    }

    /// Means of finite values per unit (units in first-appearance order) with each unit's cluster.
    static func unitMeans(_ values: [Double], units: [String], clusters: [String]) -> ([Double], [String]) {
        var order: [String] = []
        var sums = [String: (Double, Int, String)]()
        for i in values.indices where values[i].isFinite {
            if sums[units[i]] == nil { order.append(units[i]); sums[units[i]] = (0, 0, clusters[i]) }
            sums[units[i]]!.0 += values[i]
            sums[units[i]]!.1 += 1
        }
        return (order.map { sums[$0]!.0 / Double(sums[$0]!.1) }, order.map { sums[$0]!.2 })
    }

    /// Mean over units of the per-unit means of finite values; NaN when none.
    static func unitAveragedMean(_ values: [Double], units: [String]) -> Double {
        let (means, _) = unitMeans(values, units: units, clusters: units)
        return VectorStatistics.finiteMean(means) ?? .nan
    }
}
