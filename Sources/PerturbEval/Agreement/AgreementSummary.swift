import PerturbBase

/// One summarized quantity of one comparison (seed spec §5.3 "Aggregation", §5.4), a row of `summary.tsv`.
///
/// Cross-dataset and replicate pairs are first averaged within drug-line-time units (dataset A, dataset B, cell
/// type, time key, compound; NaN skipped; reference `_drug_summary`); the estimate is the plain mean over units
/// with a finite value and the interval a compound-clustered BCa without strata. Retrieval rows are queries,
/// clustered by the query compound, with inner strata (direction, cell type, time) and outer level direction
/// (`build_retrieval_ci`).
public struct AgreementEstimate: Sendable {
    /// `cross_dataset`, `replicate` or `retrieval`.
    public var comparison: String
    public var datasetA: String
    public var datasetB: String
    /// An `AgreementMetric` raw value, or for retrieval the similarity.
    public var metric: String
    /// `observed`, a baseline (`source_centroid`, …), `delta_vs_<baseline>`, a peer statistic
    /// (`<peer baseline>_sd`, `_fraction_below_observed`, `_corrected_percentile`, `_empirical_p_upper`), or for
    /// retrieval `<quantity>_<statistic>` (e.g. `observed_normalized_rank`, `source_centroid_normalized_rank`).
    public var quantity: String
    /// Estimate, CI and number of compounds (`clusters`).
    public var interval: ConfidenceInterval
    /// Units (drug-line-time units, or retrieval queries) and those with a finite value (`n_rows`, `n_finite_rows`).
    public var rows: Int
    public var finiteRows: Int
}

/// The quantities summarized per metric or similarity.
enum AgreementQuantities {
    /// Named values of a pair for `metric`: observed, each baseline with its delta, and the peer statistics.
    static func pair(_ metric: AgreementMetric) -> [(name: String, value: (AgreementPair) -> Double)] {
        var out: [(String, (AgreementPair) -> Double)] = [("observed", { $0.observed[metric] ?? .nan })]
        for baseline in Baseline.allCases where !baseline.isPeer || AgreementMetric.withPeers.contains(metric) {
            out.append((baseline.rawValue, { $0.baselines[baseline]?[metric] ?? .nan }))
            out.append(("delta_vs_" + baseline.rawValue, { $0.delta(baseline, metric) }))
        }
        for baseline in Baseline.allCases where baseline.isPeer && AgreementMetric.withPeers.contains(metric) {
            let stats: [(String, (PeerSummary) -> Double)] = [
                ("sd", \.sd), ("fraction_below_observed", \.fractionBelow),
                ("corrected_percentile", \.correctedPercentile),
                ("empirical_p_upper", \.empiricalPUpper),
            ]
            for (name, stat) in stats {
                out.append(("\(baseline.rawValue)_\(name)", { $0.peers[baseline]?[metric].map(stat) ?? .nan }))
            }
        }
        return out
    }

    /// Named values of a retrieval query.
    static func retrieval() -> [(name: String, value: (RetrievalQuery) -> Double)] {
        let ranks: [(String, (RankSummary) -> Double)] = [
            ("normalized_rank", \.normalizedRank), ("recall_at_1", \.recallAt1), ("auroc", \.auroc),
        ]
        var out: [(String, (RetrievalQuery) -> Double)] = []
        for (name, stat) in ranks { out.append(("observed_\(name)", { stat($0.observed) })) }
        out.append(("observed_best_positive_similarity", \.bestPositiveSimilarity))
        for (name, stat) in ranks { out.append(("null_\(name)", { stat($0.null) })) }
        out.append(("null_pit", \.nullPIT))
        for baseline in Baseline.allCases {
            for (name, stat) in ranks {
                out.append(("\(baseline.rawValue)_\(name)", { $0.baselines[baseline].map(stat) ?? .nan }))
                out.append(
                    (
                        "delta_vs_\(baseline.rawValue)_\(name)",
                        { q in
                            let o = stat(q.observed)
                            let b = q.baselines[baseline].map(stat) ?? .nan
                            return o.isFinite && b.isFinite ? o - b : .nan
                        }
                    ))
            }
        }
        for baseline in [Baseline.sourcePeer, .targetPeer] {
            let side = baseline == .sourcePeer ? "source" : "target"
            out.append(("\(side)_individual_mean_similarity", { $0.individual[baseline]?.mean ?? .nan }))
            out.append(
                ("\(side)_individual_corrected_percentile", { $0.individual[baseline]?.correctedPercentile ?? .nan }))
            out.append(("\(side)_individual_empirical_p_upper", { $0.individual[baseline]?.empiricalPUpper ?? .nan }))
        }
        return out
    }
}

extension AgreementAnalysis {
    /// Estimates of every comparison: cross-dataset pairs of datasets in canonical order, then replicates, then
    /// retrieval per dataset pair and similarity.
    public func summarize(bootstrap: BootstrapOptions) -> [AgreementEstimate] {
        var order: [String] = []
        var groups = [String: [AgreementPair]]()
        for pair in pairs {
            let key = "\(pair.kind == .crossDataset ? 0 : 1)\u{1F}\(pair.a.set)\u{1F}\(pair.b.set)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(pair)
        }
        var out: [AgreementEstimate] = []
        for key in order.sorted(by: Self.groupOrder) {
            let members = groups[key]!
            let a = sets[members[0].a.set].dataset
            let b = sets[members[0].b.set].dataset
            let units = members.map { p -> String in
                let c = sets[p.a.set].conditions[p.a.row]
                return [c.context, c.timeKey, c.compound].joined(separator: "\u{1F}")
            }
            let compounds = members.map { sets[$0.a.set].conditions[$0.a.row].compound }
            let kind = members[0].kind.rawValue
            for metric in AgreementMetric.allCases {
                for (name, value) in AgreementQuantities.pair(metric) {
                    let (means, clusters) = Self.unitMeans(members.map(value), units: units, clusters: compounds)
                    let label = [kind, a, b, metric.rawValue, name].joined(separator: "/")
                    out.append(
                        AgreementEstimate(
                            comparison: kind, datasetA: a, datasetB: b, metric: metric.rawValue, quantity: name,
                            interval: ClusterBootstrap.meanCI(
                                values: means, clusters: clusters, options: bootstrap, label: label),
                            rows: means.count, finiteRows: means.filter(\.isFinite).count))
                }
            }
        }
        var retrievalOrder: [String] = []
        var retrievalGroups = [String: [RetrievalQuery]]()
        for q in retrieval {
            let key = "\(q.datasetA)\u{1F}\(q.datasetB)\u{1F}\(q.similarity.rawValue)"
            if retrievalGroups[key] == nil { retrievalOrder.append(key) }
            retrievalGroups[key, default: []].append(q)
        }
        for key in retrievalOrder {
            let queries = retrievalGroups[key]!
            let a = sets[queries[0].datasetA].dataset
            let b = sets[queries[0].datasetB].dataset
            let similarity = queries[0].similarity.rawValue
            let strata = queries.map { [$0.direction, $0.cellType, $0.timeKey].joined(separator: "\u{1F}") }
            for (name, value) in AgreementQuantities.retrieval() {
                let values = queries.map(value)
                let label = ["retrieval", a, b, similarity, name].joined(separator: "/")
                out.append(
                    AgreementEstimate(
                        comparison: "retrieval", datasetA: a, datasetB: b, metric: similarity, quantity: name,
                        interval: ClusterBootstrap.meanCI(
                            values: values, clusters: queries.map(\.compound), strata: strata,
                            outer: queries.map(\.direction), options: bootstrap, label: label),
                        rows: values.count, finiteRows: values.filter(\.isFinite).count))
            }
        }
        return out
    }

    /// Cross-dataset groups before replicate groups, each by dataset indices (the canonical order).
    static func groupOrder(_ x: String, _ y: String) -> Bool {
        let a = x.split(separator: "\u{1F}").map { Int($0)! }
        let b = y.split(separator: "\u{1F}").map { Int($0)! }
        return a.lexicographicallyPrecedes(b)
    }

    /// Per-unit means of the finite values (NaN for a unit without any), units in first-appearance order, with each
    /// unit's cluster.
    static func unitMeans(_ values: [Double], units: [String], clusters: [String]) -> ([Double], [String]) {
        var order: [String] = []
        var sums = [String: (sum: Double, count: Int, cluster: String)]()
        for i in values.indices {
            if sums[units[i]] == nil {
                order.append(units[i])
                sums[units[i]] = (0, 0, clusters[i])
            }
            if values[i].isFinite {
                sums[units[i]]!.sum += values[i]
                sums[units[i]]!.count += 1
            }
        }
        return (
            order.map { sums[$0]!.count > 0 ? sums[$0]!.sum / Double(sums[$0]!.count) : .nan },
            order.map { sums[$0]!.cluster }
        )
    }
}
