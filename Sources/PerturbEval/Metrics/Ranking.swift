/// Ranking helpers shared by the rank-based metrics.
public enum Ranking {
    /// 1-based ranks with ties given the average of the ranks they span (R `rank(ties.method = "average")`,
    /// scipy `rankdata(method="average")`).
    public static func averageRanks(_ values: [Double]) -> [Double] {
        var order = [(value: Double, index: Int)]()
        order.reserveCapacity(values.count)
        for (i, v) in values.enumerated() { order.append((v, i)) }
        order.sort { $0.value < $1.value || ($0.value == $1.value && $0.index < $1.index) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && order[end].value == order[start].value { end += 1 }
            let average = Double(start + end + 1) / 2  // mean of 1-based ranks start+1 ... end
            for k in start..<end { ranks[order[k].index] = average }
            start = end
        }
        return ranks
    }

    /// Indices of the `k` largest `|value|`, largest first; ties keep the lower index first (stable).
    /// Returns all indices (sorted the same way) when fewer than `k` are given.
    public static func topIndicesByMagnitude(_ values: [Double], k: Int) -> [Int] {
        var order = [(magnitude: Double, index: Int)]()
        order.reserveCapacity(values.count)
        for (i, v) in values.enumerated() { order.append((abs(v), i)) }
        order.sort { $0.magnitude > $1.magnitude || ($0.magnitude == $1.magnitude && $0.index < $1.index) }
        return order.prefix(max(0, k)).map(\.index)
    }
}
