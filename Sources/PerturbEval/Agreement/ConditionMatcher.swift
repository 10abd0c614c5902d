/// Finds matched pairs of profiles: the same compound across two datasets, or replicates within one.
public enum ConditionMatcher {
    /// The grouping key of a row under `rules` (compound, plus context/time when selected).
    static func key(_ c: ProfileCondition, rules: MatchRules) -> String {
        [c.compound, rules.context ? c.context : "*", rules.time ? c.timeKey : "*"].joined(separator: "\u{1F}")
    }

    /// The matching context of a row: its cell type and time key, "*" for a field the rules do not match (the
    /// reference's `(cell_type, time_key)` context of the ≥ 10-compound filter, the gene universe and retrieval).
    public static func contextKey(_ c: ProfileCondition, rules: MatchRules) -> String {
        (rules.context ? c.context : "*") + "\u{1F}" + (rules.time ? c.timeKey : "*")
    }

    /// Dose ratio max(a/b, b/a); ∞ when a dose is absent or not positive.
    static func doseFold(_ a: Double?, _ b: Double?) -> Double {
        guard let x = a, let y = b, x > 0, y > 0 else { return .infinity }
        return max(x / y, y / x)
    }

    /// Matched pairs (row in `a`, row in `b`) among the two sets' `crossDatasetRows(rules:)` (seed spec §5.3
    /// `pair_match_frame`).
    ///
    /// Rows match when they share the compound and, per `rules`, the context and time. With the dose rule, within
    /// each key the pairs are the mutual nearest doses (fold matrix row- and column-minimum, tolerance 1e-12) with
    /// fold ≤ `maxDoseFold` (+1e-12); without it, every pair of the key is kept. Then only contexts (`contextKey`) with
    /// at least `minContextCompounds` distinct matched compounds are kept.
    public static func crossDatasetPairs(_ a: ProfileSet, _ b: ProfileSet, rules: MatchRules) -> [(Int, Int)] {
        var groupsB = [String: [Int]]()
        for r in b.crossDatasetRows(rules: rules) { groupsB[key(b.conditions[r], rules: rules), default: []].append(r) }
        var groupsA = [String: [Int]]()
        var orderA: [String] = []
        for r in a.crossDatasetRows(rules: rules) {
            let k = key(a.conditions[r], rules: rules)
            if groupsA[k] == nil { orderA.append(k) }
            groupsA[k, default: []].append(r)
        }
        var pairs: [(Int, Int)] = []
        for k in orderA {
            guard let rowsB = groupsB[k], let rowsA = groupsA[k] else { continue }
            guard rules.dose else {
                for i in rowsA { for j in rowsB { pairs.append((i, j)) } }
                continue
            }
            let fold = rowsA.map { i in
                rowsB.map { j in doseFold(a.conditions[i].doseMicromolar, b.conditions[j].doseMicromolar) }
            }
            let rowMin = fold.map { $0.min()! }
            let colMin = rowsB.indices.map { j in fold.map { $0[j] }.min()! }
            for (ii, i) in rowsA.enumerated() {
                for (jj, j) in rowsB.enumerated() {
                    let f = fold[ii][jj]
                    if f <= rules.maxDoseFold + 1e-12 && abs(f - rowMin[ii]) <= 1e-12 && abs(f - colMin[jj]) <= 1e-12 {
                        pairs.append((i, j))
                    }
                }
            }
        }
        var compounds = [String: Set<String>]()
        for (i, _) in pairs {
            compounds[contextKey(a.conditions[i], rules: rules), default: []].insert(a.conditions[i].compound)
        }
        return pairs.filter {
            compounds[contextKey(a.conditions[$0.0], rules: rules)]!.count >= rules.minContextCompounds
        }
    }

    /// Pairs of replicate rows (`replicate` set) within one dataset that share the compound and, per `rules`, the
    /// context, time and dose (within a dataset the dose rule means the same dose). With every rule on these are
    /// the replicates of one condition; without the dose rule, replicates at other doses of the compound pair too
    /// (useful for plates with one well per dose). Each unordered pair once.
    public static func replicatePairs(_ set: ProfileSet, rules: MatchRules) -> [(Int, Int)] {
        var groups = [String: [Int]]()
        var order: [String] = []
        for r in set.replicateRows {
            let c = set.conditions[r]
            let k = key(c, rules: rules) + "\u{1F}" + (rules.dose ? c.doseKey : "*")
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(r)
        }
        var pairs: [(Int, Int)] = []
        for k in order {
            let rows = groups[k]!
            for x in 0..<rows.count { for y in (x + 1)..<rows.count { pairs.append((rows[x], rows[y])) } }
        }
        return pairs
    }
}
