import Foundation
import PerturbBase

/// Collects the matched pairs of an analysis with their gene universes, resolves every profile, peer set and
/// centroid they need, and scores the pairs in parallel (fixed partition: results do not depend on thread count).
struct ScoringPlan {
    let sets: [ProfileSet]
    let rules: MatchRules
    let options: AgreementOptions
    /// Peer indices per set over cross-dataset rows and over replicate rows.
    let crossPeers: [PeerIndex]
    let replicatePeers: [PeerIndex]
    private(set) var geneLists: [[Int]] = []
    private var geneListIndex = [String: Int]()
    private var pairLists = [String: (Int, Int)]()
    private(set) var specs: [Spec] = []

    /// A pair to score: its kind, profiles and the gene list (index into `geneLists`) of each side.
    struct Spec {
        var kind: PairKind
        var a: ProfileRef
        var b: ProfileRef
        var listA: Int
        var listB: Int
    }

    /// One side resolved: indices into the profile and centroid tables.
    struct Side {
        var sample: Int
        var centroid: Int?
        var peers: [Int]
        var peersTotal: Int
    }

    struct ProfileKey: Hashable { var list: Int, set: Int, row: Int }
    struct CentroidKey: Hashable { var list: Int, set: Int, replicate: Bool, stratum: String, compound: String }

    init(sets: [ProfileSet], rules: MatchRules, options: AgreementOptions) {
        self.sets = sets
        self.rules = rules
        self.options = options
        crossPeers = sets.map { PeerIndex(set: $0, rows: $0.crossDatasetRows(rules: rules)) }
        replicatePeers = sets.map { PeerIndex(set: $0, rows: $0.replicateRows) }
    }

    private mutating func list(_ key: String, _ genes: () -> [Int]) -> Int {
        if let i = geneListIndex[key] { return i }
        geneLists.append(genes())
        geneListIndex[key] = geneLists.count - 1
        return geneLists.count - 1
    }

    /// Adds a cross-dataset pair in `cell` (its gene lists come from `universe`).
    mutating func addCrossDataset(_ a: ProfileRef, _ b: ProfileRef, cell: String, universe: GeneUniverse) {
        let pairKey = "\(a.set)\u{1F}\(b.set)\u{1F}\(cell)"
        if pairLists[pairKey] == nil {
            let genes = universe.crossDataset(a.set, b.set, cell: cell)
            let scoped = universe.scope == .global ? cell : pairKey
            let la = list("x\u{1F}\(a.set)\u{1F}\(scoped)") { genes.map(\.0) }
            let lb = list("x\u{1F}\(b.set)\u{1F}\(scoped)") { genes.map(\.1) }
            pairLists[pairKey] = (la, lb)
        }
        let (la, lb) = pairLists[pairKey]!
        specs.append(Spec(kind: .crossDataset, a: a, b: b, listA: la, listB: lb))
    }

    /// Adds a replicate pair; its genes are those the set's replicate rows of that cell type measure.
    mutating func addReplicate(_ a: ProfileRef, _ b: ProfileRef) {
        let set = sets[a.set]
        let cell = set.conditions[a.row].context
        let l = list("r\u{1F}\(a.set)\u{1F}\(cell)") {
            GeneUniverse.withinDataset(set, rows: set.replicateRows.filter { set.conditions[$0].context == cell })
        }
        specs.append(Spec(kind: .replicate, a: a, b: b, listA: l, listB: l))
    }

    /// Scores every pair; pairs come out in the order they were added.
    func score(showProgress: Bool) -> [AgreementPair] {
        var profileKeys: [ProfileKey] = []
        var profileIndex = [ProfileKey: Int]()
        var centroidKeys: [CentroidKey] = []
        var centroidPeers: [[Int]] = []
        var centroidIndex = [CentroidKey: Int]()
        func profile(_ key: ProfileKey) -> Int {
            if let i = profileIndex[key] { return i }
            profileKeys.append(key)
            profileIndex[key] = profileKeys.count - 1
            return profileKeys.count - 1
        }
        func side(_ ref: ProfileRef, list: Int, kind: PairKind) -> Side {
            let index = kind == .replicate ? replicatePeers[ref.set] : crossPeers[ref.set]
            let c = sets[ref.set].conditions[ref.row]
            let peers = index.peers(of: c)
            let seedKey = [sets[ref.set].dataset, c.context, c.doseKey, c.timeKey, c.compound].joined(separator: "|")
            let scored = PeerSampling.select(
                count: peers.count, cap: options.maxPeers, key: seedKey, seed: options.peerSeed)
            var centroid: Int?
            if !peers.isEmpty {
                let key = CentroidKey(
                    list: list, set: ref.set, replicate: kind == .replicate, stratum: PeerIndex.stratum(c),
                    compound: c.compound)
                if centroidIndex[key] == nil {
                    centroidKeys.append(key)
                    centroidPeers.append(peers)
                    centroidIndex[key] = centroidKeys.count - 1
                }
                centroid = centroidIndex[key]
            }
            return Side(
                sample: profile(ProfileKey(list: list, set: ref.set, row: ref.row)), centroid: centroid,
                peers: scored.map { profile(ProfileKey(list: list, set: ref.set, row: peers[$0])) },
                peersTotal: peers.count)
        }
        let sides = specs.map {
            ($0, side($0.a, list: $0.listA, kind: $0.kind), side($0.b, list: $0.listB, kind: $0.kind))
        }

        let profiles = Self.parallelMap(profileKeys) {
            AlignedProfile(set: sets[$0.set], row: $0.row, genes: geneLists[$0.list])
        }
        let centroids = Self.parallelMap(Array(centroidKeys.indices)) { i -> AlignedProfile in
            let key = centroidKeys[i]
            let genes = geneLists[key.list]
            let index = key.replicate ? replicatePeers[key.set] : crossPeers[key.set]
            let values = index.centroid(of: centroidPeers[i], genes: genes)!
            return AlignedProfile(values: values, de: [Bool](repeating: false, count: genes.count))
        }
        let progress = ProgressReporter(label: "agreement", unit: "pairs", total: sides.count, enabled: showProgress)
        let lock = NSLock()
        var done = 0
        let pairs = Self.parallelMap(sides) { item -> AgreementPair in
            let pair = Self.scorePair(item.0, left: item.1, right: item.2, profiles: profiles, centroids: centroids)
            lock.lock()
            done += 1
            if done % 256 == 0 { progress.update(done: done) }
            lock.unlock()
            return pair
        }
        progress.finish(done: pairs.count)
        return pairs
    }

    /// `transform` of every element, computed in parallel chunks, in input order.
    static func parallelMap<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
        var out = [R?](repeating: nil, count: items.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress
            Parallel.forEachChunk(count: items.count) { range in
                for i in range { base![i] = transform(items[i]) }
            }
        }
        return out.map { $0! }
    }

    /// Observed metrics, centroid baselines and per-peer summaries of one pair.
    static func scorePair(
        _ spec: Spec, left: Side, right: Side, profiles: [AlignedProfile], centroids: [AlignedProfile]
    ) -> AgreementPair {
        let l = profiles[left.sample]
        let r = profiles[right.sample]
        let observed = PairMetrics.observed(l, r)
        let lc = left.centroid.map { centroids[$0] }
        let rc = right.centroid.map { centroids[$0] }
        var baselines = [Baseline: [AgreementMetric: Double]]()
        baselines[.sourceCentroid] = PairMetrics.pairValues(
            left: lc.map { PairMetrics.sampleReferenced(l, $0) },
            right: rc.map { PairMetrics.sampleReferenced(r, $0) })
        baselines[.targetCentroid] = PairMetrics.pairValues(
            left: rc.map { PairMetrics.sampleReferenced(l, $0) },
            right: lc.map { PairMetrics.sampleReferenced(r, $0) })
        var peers = [Baseline: [AgreementMetric: PeerSummary]]()
        let leftPeers = left.peers.map { profiles[$0] }
        let rightPeers = right.peers.map { profiles[$0] }
        for baseline in [Baseline.sourcePeer, .targetPeer] {
            let (forLeft, forRight) = baseline == .sourcePeer ? (leftPeers, rightPeers) : (rightPeers, leftPeers)
            var summaries = [AgreementMetric: PeerSummary]()
            for metric in AgreementMetric.withPeers {
                let observedLeft = metric == .degSpearmanSym ? observed[.degSpearmanLeft]! : observed[metric]!
                let observedRight = metric == .degSpearmanSym ? observed[.degSpearmanRight]! : observed[metric]!
                summaries[metric] = PeerSummary.pair([
                    PeerSummary(observed: observedLeft, scores: forLeft.map { peerScore(metric, l, $0) }),
                    PeerSummary(observed: observedRight, scores: forRight.map { peerScore(metric, r, $0) }),
                ])
            }
            peers[baseline] = summaries
            baselines[baseline] = summaries.mapValues(\.mean)
        }
        let both = zip(l.de, r.de).filter { $0 && $1 }.count
        return AgreementPair(
            kind: spec.kind, a: spec.a, b: spec.b, genes: l.values.count, deLeft: l.de.filter { $0 }.count,
            deRight: r.de.filter { $0 }.count, deBoth: both, observed: observed, baselines: baselines,
            peers: peers, peersTotal: [left.peersTotal, right.peersTotal],
            peersScored: [left.peers.count, right.peers.count])
    }

    /// One peer's sample-referenced score for a metric with peer baselines.
    static func peerScore(_ metric: AgreementMetric, _ sample: AlignedProfile, _ peer: AlignedProfile) -> Double {
        switch metric {
        case .degSpearmanSym: return PairMetrics.spearman(sample.values, peer.values, mask: sample.de)
        case .directionAgreement: return PairMetrics.direction(sample.values, peer.values, mask: sample.de)
        case .spearmanAll: return PairMetrics.spearmanAll(sample, peer)
        default: preconditionFailure("no per-peer baseline for \(metric.rawValue)")
        }
    }
}
