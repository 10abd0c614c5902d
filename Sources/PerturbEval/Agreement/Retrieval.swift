import PerturbBase

/// Similarity of two profiles for retrieval (seed spec §5.3 `RETRIEVAL_SIMILARITIES`).
public enum RetrievalSimilarity: String, CaseIterable, Sendable {
    /// Cosine of the logFC vectors, clipped to [−1, 1] (the paper's Table 9).
    case cosine
    /// Minus the Euclidean distance.
    case negativeL2 = "negative_l2"
    /// Spearman: rows ranked, centered and L2-normalized, then dotted; clipped to [−1, 1].
    case spearman

    /// The row in the similarity's space, or nil when the row is invalid (a non-finite value; zero norm for
    /// cosine and Spearman).
    func transform(_ v: [Double]) -> [Double]? {
        guard v.allSatisfy(\.isFinite) else { return nil }
        switch self {
        case .negativeL2: return v
        case .cosine:
            let norm = VectorStatistics.norm(v)
            return norm > 0 ? v.map { $0 / norm } : nil
        case .spearman: return AlignedProfile.normalizedRanks(v)
        }
    }

    /// The similarity of two transformed rows.
    func score(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        switch self {
        case .negativeL2:
            for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
            return -s.squareRoot()
        case .cosine, .spearman:
            for i in a.indices { s += a[i] * b[i] }
            return min(1, max(-1, s))
        }
    }
}

/// One retrieval query: a profile of one dataset ranked against every profile of the other dataset in the same
/// context (cell type, time), positives = its matched partners (`strict_matched_condition`).
public struct RetrievalQuery: Sendable {
    /// The dataset pair (indices into `AgreementAnalysis.sets`, A before B) and the direction.
    public var datasetA: Int
    public var datasetB: Int
    /// `A_to_B` (queries from A) or `B_to_A`.
    public var direction: String
    public var query: ProfileRef
    public var cellType: String
    public var timeKey: String
    /// The query's compound (the bootstrap cluster).
    public var compound: String
    public var similarity: RetrievalSimilarity
    public var candidates: Int
    public var positives: Int
    public var observed: RankSummary
    /// Similarity of the best-ranked positive.
    public var bestPositiveSimilarity: Double
    /// The exact null for this query's candidate and positive counts.
    public var null: RankSummary
    /// Mid-P null PIT of the observed best rank.
    public var nullPIT: Double
    /// Ranks of the injected source and target centroids and the mean ranks of single source and target peers.
    public var baselines: [Baseline: RankSummary]
    /// The best positive similarity against the source and target peers' similarities.
    public var individual: [Baseline: PeerSummary]
}

/// Cross-dataset retrieval (Table 9; the reference's `strict_matched_condition` variant of
/// `run_overlap_group_rep_retrieval_metrics.py`).
///
/// Per dataset pair and context (cell type, time) with matched pairs, and per direction: candidates are the target
/// dataset's cross-dataset rows of that context that are valid for the similarity (skipped when fewer than 5); each
/// valid query row of the other dataset with at least one positive and one negative candidate is ranked. Baselines
/// (same-context different-compound): the source centroid (the query dataset's rows at the query's dose, other
/// compounds) and the target centroid (target rows at the best positive's dose, other compounds), each injected
/// as the only positive; source and target peers (capped, deterministic) placed one at a time.
enum Retrieval {
    /// Fewest valid candidates for a context to be scored (`MIN_TARGET_CANDIDATES`).
    static let minCandidates = 5

    static func run(
        sets: [ProfileSet], pairs: [AgreementPair], rules: MatchRules, universe: GeneUniverse,
        options: AgreementOptions
    ) -> [RetrievalQuery] {
        var groups: [String] = []
        var members = [String: [AgreementPair]]()
        for pair in pairs where pair.kind == .crossDataset {
            let key =
                "\(pair.a.set)\u{1F}\(pair.b.set)\u{1F}"
                + ConditionMatcher.contextKey(sets[pair.a.set].conditions[pair.a.row], rules: rules)
            if members[key] == nil { groups.append(key) }
            members[key, default: []].append(pair)
        }
        let tasks = groups.flatMap { key in
            options.similarities.flatMap { s in ["A_to_B", "B_to_A"].map { (members[key]!, s, $0) } }
        }
        return ScoringPlan.parallelMap(tasks) { task in
            let (group, similarity, direction) = task
            return queries(
                group: group, direction: direction, similarity: similarity, sets: sets, rules: rules,
                universe: universe, options: options)
        }.flatMap { $0 }
    }

    /// The queries of one context and direction.
    static func queries(
        group: [AgreementPair], direction: String, similarity: RetrievalSimilarity, sets: [ProfileSet],
        rules: MatchRules, universe: GeneUniverse, options: AgreementOptions
    ) -> [RetrievalQuery] {
        let first = group[0]
        let forward = direction == "A_to_B"
        let (qs, ts) = forward ? (first.a.set, first.b.set) : (first.b.set, first.a.set)
        let condition = sets[first.a.set].conditions[first.a.row]
        let context = ConditionMatcher.contextKey(condition, rules: rules)
        let genePairs = universe.crossDataset(first.a.set, first.b.set, cell: rules.context ? condition.context : "*")
        let queryGenes = genePairs.map { forward ? $0.0 : $0.1 }
        let targetGenes = genePairs.map { forward ? $0.1 : $0.0 }
        func pool(_ s: Int) -> [Int] {
            sets[s].crossDatasetRows(rules: rules).filter {
                ConditionMatcher.contextKey(sets[s].conditions[$0], rules: rules) == context
            }
        }
        let queryRows = pool(qs)
        let targetRows = pool(ts)
        let rawQuery = queryRows.map { r in queryGenes.map { sets[qs].value(r, $0) } }
        let rawTarget = targetRows.map { r in targetGenes.map { sets[ts].value(r, $0) } }
        let query = rawQuery.map(similarity.transform)
        let target = rawTarget.map(similarity.transform)
        let valid = target.indices.filter { target[$0] != nil }
        guard valid.count >= minCandidates else { return [] }
        var positives = [Int: Set<Int>]()
        for p in group { positives[forward ? p.a.row : p.b.row, default: []].insert(forward ? p.b.row : p.a.row) }
        let qc = sets[qs].conditions
        let tc = sets[ts].conditions
        var out: [RetrievalQuery] = []
        for (qi, row) in queryRows.enumerated() {
            guard let q = query[qi], let matched = positives[row] else { continue }
            let scores = valid.map { similarity.score(q, target[$0]!) }
            let positive = valid.map { matched.contains(targetRows[$0]) }
            let observed = RetrievalRanking.summarize(scores, positive: positive)
            guard observed.bestRank.isFinite else { continue }
            let best = positive.indices.filter { positive[$0] }.max {
                scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1)
            }!
            let me = qc[row]
            let sourceAll = queryRows.indices.filter {
                query[$0] != nil && qc[queryRows[$0]].doseKey == me.doseKey && qc[queryRows[$0]].compound != me.compound
            }
            let bestDose = tc[targetRows[valid[best]]].doseKey
            let targetAll = valid.indices.filter {
                tc[targetRows[valid[$0]]].doseKey == bestDose && tc[targetRows[valid[$0]]].compound != me.compound
            }
            let stem = [sets[qs].dataset, sets[ts].dataset, me.context, me.timeKey, String(row)]
            let sourceScored = PeerSampling.select(
                count: sourceAll.count, cap: options.maxPeers,
                key: (stem + [me.doseKey, me.compound, "source"]).joined(separator: "|"), seed: options.peerSeed)
            let targetScored = PeerSampling.select(
                count: targetAll.count, cap: options.maxPeers,
                key: (stem + [bestDose, me.compound, "target"]).joined(separator: "|"), seed: options.peerSeed)
            let sourceScores = sourceScored.map { similarity.score(q, query[sourceAll[$0]]!) }
            let targetScores = targetScored.map { scores[targetAll[$0]] }
            func centroid(_ rows: [[Double]]) -> Double {
                guard !rows.isEmpty else { return .nan }
                let mean = rows[0].indices.map { g in rows.reduce(0) { $0 + $1[g] } / Double(rows.count) }
                return similarity.transform(mean).map { similarity.score(q, $0) } ?? .nan
            }
            let sourceCentroid = centroid(sourceAll.map { rawQuery[$0] })
            let targetCentroid = centroid(targetAll.map { rawTarget[valid[$0]] })
            let nPositive = positive.filter { $0 }.count
            out.append(
                RetrievalQuery(
                    datasetA: min(qs, ts), datasetB: max(qs, ts), direction: direction,
                    query: ProfileRef(set: qs, row: row),
                    cellType: me.context, timeKey: me.timeKey, compound: me.compound, similarity: similarity,
                    candidates: scores.count,
                    positives: nPositive, observed: observed, bestPositiveSimilarity: scores[best],
                    null: RetrievalRanking.exactNull(candidates: scores.count, positives: nPositive),
                    nullPIT: RetrievalRanking.nullPIT(
                        candidates: scores.count, positives: nPositive, bestRank: observed.bestRank),
                    baselines: [
                        .sourceCentroid: RetrievalRanking.injected(scores, candidate: sourceCentroid),
                        .targetCentroid: RetrievalRanking.injected(scores, candidate: targetCentroid),
                        .sourcePeer: RetrievalRanking.expectedSingleSignature(targets: scores, peers: sourceScores),
                        .targetPeer: RetrievalRanking.expectedSingleSignature(targets: scores, peers: targetScores),
                    ],
                    individual: [
                        .sourcePeer: PeerSummary(observed: scores[best], scores: sourceScores),
                        .targetPeer: PeerSummary(observed: scores[best], scores: targetScores),
                    ]))
        }
        return out
    }
}
