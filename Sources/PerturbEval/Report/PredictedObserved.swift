import Foundation
import PerturbBase

/// Predicted against observed values for a scatter: the Pearson r and count over every finite (and measured)
/// pair, and a deterministic sample of at most `limit` pairs to draw (reservoir sampling with a seeded
/// generator, kept in input order).
public struct PredictedObservedSample: Sendable {
    /// Drawn pairs, in input order.
    public let observed: [Double]
    public let predicted: [Double]
    /// Pearson r over every finite pair (NaN when undefined).
    public let pearson: Double
    /// Finite pairs behind `pearson`.
    public let count: Int

    /// Samples `observed`/`predicted` (same length; `mask`, when given, marks the measured values).
    public init(
        observed truth: [Float], predicted prediction: [Float], mask: [Bool]? = nil, limit: Int = 1500,
        seed: UInt64 = 0
    ) {
        precondition(truth.count == prediction.count && (mask?.count ?? truth.count) == truth.count, "sample shape")
        var rng = SeededRNG.derived(seed: seed, label: "predicted-observed")
        var reservoir: [Int] = []
        reservoir.reserveCapacity(limit)
        var n = 0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
        for i in truth.indices where (mask?[i] ?? true) && truth[i].isFinite && prediction[i].isFinite {
            let x = Double(truth[i]), y = Double(prediction[i])
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y
            if reservoir.count < limit {
                reservoir.append(i)
            } else {
                let j = rng.nextInt(below: n + 1)
                if j < limit { reservoir[j] = i }
            }
            n += 1
        }
        let nn = Double(n)
        let vx = sxx - sx * sx / nn, vy = syy - sy * sy / nn
        pearson = n > 1 && vx > 0 && vy > 0 ? (sxy - sx * sy / nn) / (vx * vy).squareRoot() : .nan
        count = n
        reservoir.sort()
        observed = reservoir.map { Double(truth[$0]) }
        predicted = reservoir.map { Double(prediction[$0]) }
    }

    /// The scatter of the drawn pairs with the y = x line; the title gets r and how many values are shown.
    public func figure(title: String, quantity: String) -> ScatterSVG {
        let r = pearson.isFinite ? String(format: "%.3f", pearson) : "n/a"
        let shown = observed.count < count ? "\(observed.count) of \(count) values shown" : "\(count) values"
        return ScatterSVG(
            title: "\(title): predicted vs observed (Pearson r = \(r), \(shown))",
            xLabel: "observed \(quantity)", yLabel: "predicted \(quantity)",
            points: zip(observed, predicted).map { ScatterSVG.Point(x: $0, y: $1) }, identityLine: true)
    }
}
