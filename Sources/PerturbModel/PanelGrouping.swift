/// Decides which gene panels of a multi-output batch share one GEMM.
///
/// A group costs about `(groupCostRows + rows) × |union of its panels' genes|`: the GEMMs scale with rows ×
/// genes, while gathering the group's weight rows, packing them and scattering their gradient back cost the
/// same whatever the rows — about `groupCostRows` rows' worth (on OpenBLAS a 9-row GEMM runs at a seventh of the
/// rate of a 500-row one). Panels with many rows are groups of their own. The few-row panels (a mixed batch holds
/// ~10 rows of each Tahoe cell line) are sorted by size and cut into consecutive runs by dynamic programming on
/// that cost, so similar panels share a masked union while a small panel is not inflated to the width of a
/// large one.
struct PanelGroupPlanner {
    /// Fixed cost of one group in rows (see the type's description); 0 never merges distinct panels.
    let groupCostRows: Int
    /// Longest run of panels considered for one group (bounds the planning work).
    let maximumSpan = 12
    /// 64-bit words of a gene bitset.
    private let words: Int
    /// Each panel's genes as a bitset, made the first time the panel is planned.
    private var bitsets: [Int32: [UInt64]] = [:]

    init(geneCount: Int, groupCostRows: Int = 48) {
        self.groupCostRows = groupCostRows
        words = (geneCount + 63) / 64
    }

    /// Partitions the batch's panels (id → rows in the batch) into groups of panel ids; deterministic. A panel id
    /// stands for the same genes in every call (its bitset is kept).
    mutating func plan(rowsPerPanel: [Int32: Int], genes: (Int32) -> [Int32]) -> [[Int32]] {
        let large = rowsPerPanel.filter { $0.value >= 2 * groupCostRows }.keys.sorted()
        let small = rowsPerPanel.filter { $0.value < 2 * groupCostRows }.keys
            .sorted { (genes($0).count, $0) < (genes($1).count, $1) }
        var groups = large.map { [$0] }
        guard !small.isEmpty else { return groups }
        // best[j]: cheapest cost of small[0..<j]; cut[j]: where its last group starts.
        var best = [Double](repeating: .infinity, count: small.count + 1),
            cut = [Int](repeating: 0, count: small.count + 1)
        best[0] = 0
        let smallBits = small.map { bitset(of: $0, genes: genes) }
        var unionBits = [UInt64](repeating: 0, count: words)
        for end in 1...small.count {
            for w in 0..<words { unionBits[w] = 0 }
            var union = 0, rows = 0
            for start in stride(from: end - 1, through: max(0, end - maximumSpan), by: -1) {
                rows += rowsPerPanel[small[start]]!
                let bits = smallBits[start]
                for w in 0..<words {
                    union += (bits[w] & ~unionBits[w]).nonzeroBitCount
                    unionBits[w] |= bits[w]
                }
                let cost = best[start] + Double(groupCostRows + rows) * Double(union)
                if cost < best[end] { best[end] = cost; cut[end] = start }
            }
        }
        var runs: [[Int32]] = []
        var end = small.count
        while end > 0 {
            runs.append(Array(small[cut[end]..<end]))
            end = cut[end]
        }
        groups += runs.reversed()
        return groups
    }

    private mutating func bitset(of panel: Int32, genes: (Int32) -> [Int32]) -> [UInt64] {
        if let known = bitsets[panel] { return known }
        var bits = [UInt64](repeating: 0, count: words)
        for gene in genes(panel) { bits[Int(gene) >> 6] |= 1 << UInt64(gene & 63) }
        bitsets[panel] = bits
        return bits
    }
}
