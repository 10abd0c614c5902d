#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Ranking helpers shared by the rank-based metrics.
///
/// Both sort (value, index) records with C `qsort` and walk them once. (The standard library's generic sort is
/// compiled into the caller unoptimized in debug builds, where it is ~25× slower; this keeps debug tests fast.)
public enum Ranking {
    /// 1-based ranks with ties given the average of the ranks they span (R `rank(ties.method = "average")`,
    /// scipy `rankdata(method="average")`). Values must not be NaN.
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = sortedRecords(values.enumerated().map { SortRecord(key: $0.element, index: $0.offset) })
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && order[end].key == order[start].key { end += 1 }
            let average = Double(start + end + 1) / 2  // mean of 1-based ranks start+1 ... end
            for k in start..<end { ranks[order[k].index] = average }
            start = end
        }
        return ranks
    }

    /// Indices of the `k` largest `|value|`, largest first; ties keep the lower index first (stable).
    /// Returns all indices (sorted the same way) when fewer than `k` are given.
    public static func topIndicesByMagnitude(_ values: [Double], k: Int) -> [Int] {
        let order = sortedRecords(values.enumerated().map { SortRecord(key: -abs($0.element), index: $0.offset) })
        return order.prefix(max(0, k)).map(\.index)
    }

    /// A sort key and the position it came from.
    struct SortRecord {
        var key: Double
        var index: Int
    }

    /// Records sorted by key ascending, then index ascending (a total order, so the result is deterministic).
    static func sortedRecords(_ records: [SortRecord]) -> [SortRecord] {
        var records = records
        records.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 1 else { return }
            qsort(base, buffer.count, MemoryLayout<SortRecord>.stride) { a, b in
                let x = a!.load(as: SortRecord.self), y = b!.load(as: SortRecord.self)
                if x.key != y.key { return x.key < y.key ? -1 : 1 }
                return x.index < y.index ? -1 : (x.index > y.index ? 1 : 0)
            }
        }
        return records
    }
}
