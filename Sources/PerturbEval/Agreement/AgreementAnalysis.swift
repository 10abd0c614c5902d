import Foundation
import PerturbBase

/// What a pair compares.
public enum PairKind: String, Sendable {
    /// Same compound in two datasets (matched by `MatchRules`).
    case crossDataset = "cross_dataset"
    /// Two replicates of one condition within a dataset (of one compound across doses when the dose rule is off).
    case replicate
}

/// A profile: dataset index (into `AgreementAnalysis.sets`) and row.
public struct ProfileRef: Hashable, Sendable {
    public var set: Int
    public var row: Int
}

/// One scored matched pair with its baselines (seed spec §5.3).
public struct AgreementPair: Sendable {
    public var kind: PairKind
    /// Left (dataset A) and right (dataset B) profile.
    public var a: ProfileRef
    public var b: ProfileRef
    /// Genes of the pair's universe.
    public var genes: Int
    /// DE genes of the left and right profile on the universe, and genes DE in both.
    public var deLeft: Int
    public var deRight: Int
    public var deBoth: Int
    public var observed: [AgreementMetric: Double]
    /// Pair values of each baseline (peer baselines: the mean peer score, for `AgreementMetric.withPeers` only).
    public var baselines: [Baseline: [AgreementMetric: Double]]
    /// Pair-level per-peer summaries (`source_peer`, `target_peer`; `AgreementMetric.withPeers`).
    public var peers: [Baseline: [AgreementMetric: PeerSummary]]
    /// Peers of the left and right profile (all, and scored one by one after the cap).
    public var peersTotal: [Int]
    public var peersScored: [Int]

    /// `observed − baseline` where both are defined (`delta_vs_<baseline>`), else NaN.
    public func delta(_ baseline: Baseline, _ metric: AgreementMetric) -> Double {
        let o = observed[metric] ?? .nan
        let b = baselines[baseline]?[metric] ?? .nan
        return o.isFinite && b.isFinite ? o - b : .nan
    }
}

/// Options of the agreement analysis beyond matching.
public struct AgreementOptions: Sendable {
    /// Gene universe of cross-dataset pairs.
    public var geneScope: GeneScope
    /// Peers scored one by one per sample (`--max-baseline-peers`, reference 512).
    public var maxPeers: Int
    /// Seed of the deterministic peer sampling (reference 20260505).
    public var peerSeed: UInt64
    /// Similarities of the retrieval analysis (empty: no retrieval).
    public var similarities: [RetrievalSimilarity]

    public init(
        geneScope: GeneScope = .global, maxPeers: Int = 512, peerSeed: UInt64 = 20_260_505,
        similarities: [RetrievalSimilarity] = RetrievalSimilarity.allCases
    ) {
        self.geneScope = geneScope
        self.maxPeers = maxPeers
        self.peerSeed = peerSeed
        self.similarities = similarities
    }
}

/// Matched-pair agreement between datasets and between replicates, with the reference's baselines and retrieval
/// (seed spec §5.3).
public struct AgreementAnalysis: Sendable {
    /// The datasets in the reference's canonical order (`DatasetOrder`).
    public var sets: [ProfileSet]
    public var rules: MatchRules
    public var options: AgreementOptions
    public var pairs: [AgreementPair]
    /// Retrieval queries of every cross-dataset pair of datasets, both directions (Table 9).
    public var retrieval: [RetrievalQuery]

    /// Matches, scores every pair with its baselines and runs the retrieval.
    /// - Throws: when two sets carry the same dataset name.
    public static func run(
        sets input: [ProfileSet], rules: MatchRules, options: AgreementOptions, showProgress: Bool = true
    ) throws -> AgreementAnalysis {
        var seen = Set<String>()
        for s in input where !seen.insert(s.dataset).inserted {
            throw InputError("dataset '\(s.dataset)' appears in more than one input; give each dataset once")
        }
        let sets = DatasetOrder.order(input.map(\.dataset)).map { input[$0] }
        let universe = GeneUniverse(sets: sets, rules: rules, scope: options.geneScope)
        var plan = ScoringPlan(sets: sets, rules: rules, options: options)
        for i in sets.indices {
            for j in sets.indices where j > i {
                for (x, y) in ConditionMatcher.crossDatasetPairs(sets[i], sets[j], rules: rules) {
                    let cell = rules.context ? sets[i].conditions[x].context : "*"
                    plan.addCrossDataset(
                        ProfileRef(set: i, row: x), ProfileRef(set: j, row: y), cell: cell, universe: universe)
                }
            }
        }
        for i in sets.indices {
            for (x, y) in ConditionMatcher.replicatePairs(sets[i], rules: rules) {
                plan.addReplicate(ProfileRef(set: i, row: x), ProfileRef(set: i, row: y))
            }
        }
        let pairs = plan.score(showProgress: showProgress)
        let retrieval =
            options.similarities.isEmpty
            ? []
            : Retrieval.run(
                sets: sets, pairs: pairs, rules: rules, universe: universe, options: options)
        return AgreementAnalysis(sets: sets, rules: rules, options: options, pairs: pairs, retrieval: retrieval)
    }
}
