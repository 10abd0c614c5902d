import Foundation

/// Mean ± sample standard deviation (ddof = 1, as Python's `statistics.stdev`) over seeds, the cell format of the
/// reference result tables (`0.5761 ± 0.0007`).
public struct SeedAggregate: Sendable, Equatable {
    public let mean: Double
    /// NaN with fewer than two values.
    public let sd: Double
    public let count: Int

    /// Aggregates the finite values (non-finite ones, e.g. a split without rows, are left out).
    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        count = finite.count
        mean = finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        if finite.count >= 2 {
            let m = mean
            sd = (finite.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(finite.count - 1)).squareRoot()
        } else {
            sd = .nan
        }
    }

    /// `mean ± sd` with `digits` decimals; `mean` alone for one value; `NA` for none.
    public func formatted(digits: Int = 4) -> String {
        guard count > 0 else { return "NA" }
        let m = String(format: "%.\(digits)f", mean)
        return count >= 2 ? m + " ± " + String(format: "%.\(digits)f", sd) : m
    }
}
