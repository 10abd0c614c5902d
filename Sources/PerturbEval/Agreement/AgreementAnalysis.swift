import Foundation
import PerturbBase

/// What a pair compares.
public enum PairKind: String, Sendable {
    /// Same compound in two datasets (matched by `MatchRules`).
    case crossDataset = "cross_dataset"
    /// Two replicates of one condition within a dataset (of one compound across doses when the dose rule is off).
    case replicate
}

/// Whether a pair is an observed match or one of its baselines.
public enum PairRole: String, CaseIterable, Sendable {
    case observed
    /// The observed pair's first profile against a profile of the second side's dataset with the same context (and
    /// time, when matched on time) but a different compound.
    case baselineContext = "baseline_context"
    /// Two random profiles of the two sides with different compounds (one random pair per observed pair).
    case baselineRandom = "baseline_random"
    /// The reference's published baseline: each side of the observed pair scored against the mean profile of its
    /// own dataset's same context/dose/time different-compound peers, the two sides averaged (`a`, `b` = the
    /// observed pair's profiles).
    case baselineSourceCentroid = "baseline_source_centroid"
}

/// A profile: dataset index (into `AgreementAnalysis.sets`) and row.
public struct ProfileRef: Hashable, Sendable {
    public var set: Int
    public var row: Int
}

/// One scored pair.
public struct AgreementPair: Sendable {
    public var kind: PairKind
    public var role: PairRole
    public var a: ProfileRef
    public var b: ProfileRef
    /// Index (in `AgreementAnalysis.pairs`) of the observed pair this pair belongs to (itself when observed).
    public var observed: Int
    /// Genes both profiles measure.
    public var genes: Int
    public var scores: [AgreementMetric: Double]
}

/// Matched-pair agreement between datasets and between replicates, with same-context and random baselines.
public struct AgreementAnalysis: Sendable {
    public var sets: [ProfileSet]
    public var rules: MatchRules
    public var options: AgreementOptions
    public var pairs: [AgreementPair]

    /// Matches, draws baselines (seeded) and scores every pair.
    /// - Throws: when two sets carry the same dataset name.
    public static func run(
        sets: [ProfileSet], rules: MatchRules, options: AgreementOptions, seed: UInt64, showProgress: Bool = true
    ) throws -> AgreementAnalysis {
        var seen = Set<String>()
        for s in sets where !seen.insert(s.dataset).inserted {
            throw InputError("dataset '\(s.dataset)' appears in more than one input; give each dataset once")
        }
        var rng = SeededRNG.derived(seed: seed, label: "agreement-baselines")
        var pairs: [AgreementPair] = []
        func addObserved(kind: PairKind, _ a: ProfileRef, _ b: ProfileRef, sideA: [Int], sideB: [Int]) {
            let index = pairs.count
            pairs.append(AgreementPair(kind: kind, role: .observed, a: a, b: b, observed: index, genes: 0, scores: [:]))
            let ca = sets[a.set].conditions[a.row], cb = sets[b.set].conditions[b.row]
            let peers = sideB.filter {
                let c = sets[b.set].conditions[$0]
                return c.context == cb.context && (!rules.time || c.sameTime(as: cb)) && c.compound != ca.compound
            }
            if !peers.isEmpty {
                let peer = peers[rng.nextInt(below: peers.count)]
                pairs.append(AgreementPair(kind: kind, role: .baselineContext, a: a, b: ProfileRef(set: b.set, row: peer),
                                           observed: index, genes: 0, scores: [:]))
            }
            pairs.append(AgreementPair(kind: kind, role: .baselineSourceCentroid, a: a, b: b, observed: index, genes: 0, scores: [:]))
            for _ in 0..<100 {
                let x = sideA[rng.nextInt(below: sideA.count)], y = sideB[rng.nextInt(below: sideB.count)]
                guard sets[a.set].conditions[x].compound != sets[b.set].conditions[y].compound else { continue }
                pairs.append(AgreementPair(kind: kind, role: .baselineRandom, a: ProfileRef(set: a.set, row: x),
                                           b: ProfileRef(set: b.set, row: y), observed: index, genes: 0, scores: [:]))
                break
            }
        }
        for i in sets.indices {
            for j in sets.indices where j > i {
                let sideA = sets[i].crossDatasetRows, sideB = sets[j].crossDatasetRows
                for (x, y) in ConditionMatcher.crossDatasetPairs(sets[i], sets[j], rules: rules) {
                    addObserved(kind: .crossDataset, ProfileRef(set: i, row: x), ProfileRef(set: j, row: y), sideA: sideA, sideB: sideB)
                }
            }
        }
        for i in sets.indices {
            let side = sets[i].replicateRows
            for (x, y) in ConditionMatcher.replicatePairs(sets[i], rules: rules) {
                addObserved(kind: .replicate, ProfileRef(set: i, row: x), ProfileRef(set: i, row: y), sideA: side, sideB: side)
            }
        }
        var analysis = AgreementAnalysis(sets: sets, rules: rules, options: options, pairs: pairs)
        analysis.scoreAll(showProgress: showProgress)
        return analysis
    }

    /// Scores every pair in parallel (fixed partition: results do not depend on thread count).
    mutating func scoreAll(showProgress: Bool) {
        let scales = sets.map { $0.globalScale() }
        var alignments = [[[(Int, Int)]?]](repeating: [[(Int, Int)]?](repeating: nil, count: sets.count), count: sets.count)
        for i in sets.indices { for j in sets.indices where j >= i { alignments[i][j] = Self.sharedGenes(sets[i].genes, sets[j].genes) } }
        let progress = ProgressReporter(label: "agreement", unit: "pairs", total: pairs.count, enabled: showProgress)
        let lock = NSLock()
        var done = 0
        let sets = self.sets, options = self.options
        let crossRows = sets.map(\.crossDatasetRows), replicateRows = sets.map(\.replicateRows)
        pairs.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forEachChunk(count: buffer.count) { range in
                var sinceReport = 0
                for p in range {
                    let pair = base[p]
                    precondition(pair.a.set <= pair.b.set, "pairs are built with the first dataset first")
                    let sa = sets[pair.a.set], sb = sets[pair.b.set]
                    let shared = alignments[pair.a.set][pair.b.set]!
                    if pair.role == .baselineSourceCentroid {
                        let sideA = pair.kind == .crossDataset ? crossRows[pair.a.set] : replicateRows[pair.a.set]
                        let sideB = pair.kind == .crossDataset ? crossRows[pair.b.set] : replicateRows[pair.b.set]
                        let left = SourceCentroid.score(row: pair.a.row, in: sa, candidates: sideA, genes: shared.map(\.0),
                                                        scale: scales[pair.a.set], options: options)
                        let right = SourceCentroid.score(row: pair.b.row, in: sb, candidates: sideB, genes: shared.map(\.1),
                                                         scale: scales[pair.b.set], options: options)
                        base[p].genes = min(left?.genes ?? 0, right?.genes ?? 0)
                        base[p].scores = Self.strictMean(left?.scores, right?.scores)
                    } else {
                        var va: [Double] = [], vb: [Double] = []
                        for (ga, gb) in shared where sa.usable(pair.a.row, ga) && sb.usable(pair.b.row, gb) {
                            va.append(Double(sa.values[pair.a.row * sa.genes.count + ga]))
                            vb.append(Double(sb.values[pair.b.row * sb.genes.count + gb]))
                        }
                        base[p].genes = va.count
                        base[p].scores = PairAgreement.score(va, vb, scaleA: scales[pair.a.set], scaleB: scales[pair.b.set], options: options)
                    }
                    sinceReport += 1
                    if sinceReport == 256 || p == range.upperBound - 1 {
                        lock.lock()
                        done += sinceReport
                        progress.update(done: done)
                        lock.unlock()
                        sinceReport = 0
                    }
                }
            }
        }
        progress.finish(done: pairs.count)
    }

    /// Per-metric mean of two sides' scores; NaN where either side is missing or NaN (reference `strict_symmetric_mean`).
    static func strictMean(_ left: [AgreementMetric: Double]?, _ right: [AgreementMetric: Double]?) -> [AgreementMetric: Double] {
        var out = [AgreementMetric: Double]()
        for metric in AgreementMetric.allCases {
            let l = left?[metric] ?? .nan, r = right?[metric] ?? .nan
            out[metric] = l.isFinite && r.isFinite ? (l + r) / 2 : .nan
        }
        return out
    }

    /// Index pairs (gene in `a`, gene in `b`) of symbols present in both, in `a`'s order; the first occurrence of a
    /// duplicated symbol is kept and empty symbols are dropped (reference gene keying).
    static func sharedGenes(_ a: [String], _ b: [String]) -> [(Int, Int)] {
        var indexB = [String: Int]()
        for (j, g) in b.enumerated() where !g.isEmpty && indexB[g] == nil { indexB[g] = j }
        var seen = Set<String>()
        var out: [(Int, Int)] = []
        for (i, g) in a.enumerated() where !g.isEmpty && seen.insert(g).inserted {
            if let j = indexB[g] { out.append((i, j)) }
        }
        return out
    }
}
