/// Benjamini–Hochberg adjusted p-values (R's `p.adjust(p, "BH")`): `min_{j ≥ i} (n / j) p_(j)`, capped at 1; NaN
/// values stay NaN and do not count in n.
public enum BenjaminiHochberg {
    public static func adjust(_ p: [Double]) -> [Double] {
        let finite = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] > p[$1] }
        let n = Double(finite.count)
        var out = [Double](repeating: .nan, count: p.count)
        var running = 1.0
        for (rank, i) in finite.enumerated() {
            let j = n - Double(rank)
            running = min(running, n / j * p[i])
            out[i] = min(1, running)
        }
        return out
    }
}
