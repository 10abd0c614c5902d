import PerturbBase

/// The reference's baselines of a matched pair (seed spec §5.3 "Baselines", `PEER_BASELINE_VARIANTS`).
///
/// A sample's peers are the rows of its own dataset with the same cell type, dose key and time key and a different
/// compound. For the pair (left x from A, right y from B):
/// - `source_centroid`: each side scored against the gene-wise mean of its own peers (the published baseline);
/// - `target_centroid`: each side scored against the other side's peer centroid (x against y's peers in B);
/// - `source_peer` / `target_peer`: the same peers scored one by one (at most `maxPeers`, sampled deterministically)
///   and summarized (`PeerSummary`).
/// Scores use the sample-referenced convention (`PairMetrics.sampleReferenced`); the pair value is the mean of the
/// available sides.
public enum Baseline: String, CaseIterable, Sendable {
    case sourceCentroid = "source_centroid"
    case targetCentroid = "target_centroid"
    case sourcePeer = "source_peer"
    case targetPeer = "target_peer"

    /// Whether the baseline scores peers one by one.
    public var isPeer: Bool { self == .sourcePeer || self == .targetPeer }
}

/// Summary of one sample's per-peer scores against its observed score (`summarize_peer_scores`): with K finite peer
/// scores, mean, sd (ddof 1), `fraction_below_observed = #{peer < obs}/K`, `corrected_percentile =
/// (1 + #{peer < obs})/(K + 1)`, `empirical_p_upper = (1 + #{peer ≥ obs})/(K + 1)`; NaN without peers or observed.
public struct PeerSummary: Equatable, Sendable {
    public var peers: Int
    public var mean: Double
    public var sd: Double
    public var fractionBelow: Double
    public var correctedPercentile: Double
    public var empiricalPUpper: Double

    /// Every statistic NaN, for `peers` finite scores.
    static func empty(peers: Int = 0) -> PeerSummary {
        PeerSummary(
            peers: peers, mean: .nan, sd: .nan, fractionBelow: .nan, correctedPercentile: .nan, empiricalPUpper: .nan)
    }

    init(
        peers: Int, mean: Double, sd: Double, fractionBelow: Double, correctedPercentile: Double,
        empiricalPUpper: Double
    ) {
        self.peers = peers
        self.mean = mean
        self.sd = sd
        self.fractionBelow = fractionBelow
        self.correctedPercentile = correctedPercentile
        self.empiricalPUpper = empiricalPUpper
    }

    /// The summary of `scores` (non-finite dropped) against `observed`.
    init(observed: Double, scores: [Double]) {
        let finite = scores.filter(\.isFinite)
        guard !finite.isEmpty, observed.isFinite else {
            self = .empty(peers: finite.count)
            return
        }
        let k = Double(finite.count)
        let below = Double(finite.filter { $0 < observed }.count)
        let atLeast = Double(finite.filter { $0 >= observed }.count)
        self.init(
            peers: finite.count, mean: finite.reduce(0, +) / k, sd: VectorStatistics.finiteSampleSD(finite) ?? .nan,
            fractionBelow: below / k, correctedPercentile: (below + 1) / (k + 1),
            empiricalPUpper: (atLeast + 1) / (k + 1))
    }

    /// The pair-level summary: the mean of the available sides' statistics (the reference's `*_pair` fields).
    static func pair(_ sides: [PeerSummary]) -> PeerSummary {
        func m(_ f: (PeerSummary) -> Double) -> Double { PairMetrics.meanAvailable(sides.map(f)) }
        return PeerSummary(
            peers: sides.map(\.peers).reduce(0, +), mean: m(\.mean), sd: m(\.sd), fractionBelow: m(\.fractionBelow),
            correctedPercentile: m(\.correctedPercentile), empiricalPUpper: m(\.empiricalPUpper))
    }
}

/// Same-context different-compound peers of the rows of one set.
struct PeerIndex: Sendable {
    /// Stratum (cell type, dose key, time key) → rows, in row order.
    let strata: [String: [Int]]
    let set: ProfileSet

    /// Peers among `rows` of `set`.
    init(set: ProfileSet, rows: [Int]) {
        self.set = set
        var strata = [String: [Int]]()
        for r in rows { strata[Self.stratum(set.conditions[r]), default: []].append(r) }
        self.strata = strata
    }

    static func stratum(_ c: ProfileCondition) -> String {
        [c.context, c.doseKey, c.timeKey].joined(separator: "\u{1F}")
    }

    /// Every peer of a row with condition `c`: same stratum, different compound.
    func peers(of c: ProfileCondition) -> [Int] {
        (strata[Self.stratum(c)] ?? []).filter { set.conditions[$0].compound != c.compound }
    }

    /// The gene-wise mean of `peers` on `genes`, NaN for a gene some peer does not measure
    /// (`different_compound_centroid(require_all_finite=True)`); nil without peers.
    func centroid(of peers: [Int], genes: [Int]) -> [Double]? {
        guard !peers.isEmpty else { return nil }
        return genes.map { g in
            var sum = 0.0
            for p in peers {
                guard set.usable(p, g) else { return .nan }
                sum += Double(set.values[p * set.genes.count + g])
            }
            return sum / Double(peers.count)
        }
    }
}

/// Deterministic peer sampling (`select_peer_indices`): all peers when there are at most `cap`, else `cap` of them
/// drawn without replacement from a stream derived from `seed` and the stratum key, sorted. The reference draws with
/// numpy from a blake2b-derived seed; this uses `SeededRNG`, so the same rule picks different peers.
enum PeerSampling {
    static func select(count: Int, cap: Int, key: String, seed: UInt64) -> [Int] {
        guard cap > 0, count > cap else { return Array(0..<max(0, count)) }
        var rng = SeededRNG.derived(seed: seed, label: key)
        var pool = Array(0..<count)
        for i in 0..<cap { pool.swapAt(i, i + rng.nextInt(below: count - i)) }
        return pool.prefix(cap).sorted()
    }
}
