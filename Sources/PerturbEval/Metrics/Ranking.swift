/// Ranking helpers shared by the rank-based metrics.
public enum Ranking {
    /// 1-based ranks with ties given the average of the ranks they span (R `rank(ties.method = "average")`,
    /// scipy `rankdata(method="average")`).
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            let average = Double(start + end + 1) / 2  // mean of 1-based ranks start+1 ... end
            for k in start..<end { ranks[order[k]] = average }
            start = end
        }
        return ranks
    }

    /// Indices of the `k` largest `|value|`, largest first; ties keep the lower index first (stable).
    /// Returns all indices (sorted the same way) when fewer than `k` are given.
    public static func topIndicesByMagnitude(_ values: [Double], k: Int) -> [Int] {
        let order = values.indices.sorted {
            let a = abs(values[$0]), b = abs(values[$1])
            return a > b || (a == b && $0 < $1)
        }
        return Array(order.prefix(max(0, k)))
    }
}
