import Foundation

/// Holm's step-down adjustment of p-values for multiple testing (statsmodels `multipletests(method="holm")`).
public enum HolmCorrection {
    /// Adjusted p-values in the input order: with the m finite p-values sorted ascending, the i-th (1-based) becomes
    /// `max_{j ≤ i} min(1, (m − j + 1) p_(j))`, so the adjusted values keep the order of the raw ones and never
    /// exceed 1. Equal p-values keep their input order. Non-finite entries stay NaN and do not count in m.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.filter { pValues[$0].isFinite }.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: .nan, count: pValues.count)
        var running = 0.0
        for (j, i) in order.enumerated() {
            running = max(running, min(1, Double(order.count - j) * pValues[i]))
            adjusted[i] = running
        }
        return adjusted
    }
}
