import Foundation

/// Round axis ticks: a step of 1, 2 or 5 × 10ⁿ and the multiples of it that cover a value range (0.03–0.97 gives
/// 0, 0.2, …, 1.0), with labels written to the step's decimals.
public struct AxisTicks: Sendable, Equatable {
    /// Tick values, ascending; the first and last are the axis ends.
    public let values: [Double]
    /// Distance between neighbouring ticks.
    public let step: Double

    /// Ticks covering `low...high` with at most about `target` intervals and a step of at least `minimumStep` (1 for
    /// counts such as epochs). An empty or degenerate range is widened (by 10 % of the value, or to −0.5...0.5
    /// around 0); non-finite ends fall back to 0...1.
    public init(covering low: Double, _ high: Double, target: Int = 5, minimumStep: Double = 0) {
        var lo = min(low, high), hi = max(low, high)
        if !lo.isFinite || !hi.isFinite { (lo, hi) = (0, 1) }
        if hi - lo <= 1e-12 * max(1, abs(lo)) {
            let pad = lo == 0 ? 0.5 : abs(lo) * 0.1
            (lo, hi) = (lo - pad, hi + pad)
        }
        let raw = (hi - lo) / Double(max(target, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude * (1 - 1e-9)  // 1.2 / 6 may come out a hair above 0.2
        let step = max((residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude, minimumStep)
        let first = (lo / step + 1e-9).rounded(.down), last = (hi / step - 1e-9).rounded(.up)
        let decimals = Self.decimals(step)
        self.step = step
        values = stride(from: first, through: last, by: 1).map { Self.clean($0 * step, decimals: decimals) }
    }

    /// The axis's low end.
    public var low: Double { values.first ?? 0 }
    /// The axis's high end.
    public var high: Double { values.last ?? 1 }

    /// A tick's label with as many decimals as the step needs ("0.2", "15", "0.05").
    public func label(_ value: Double) -> String {
        let text = String(format: "%.\(Self.decimals(step))f", value)
        return Double(text) == 0 ? String(format: "%.\(Self.decimals(step))f", 0.0) : text
    }

    /// Decimals needed to write multiples of `step` exactly (0 for steps ≥ 1).
    static func decimals(_ step: Double) -> Int {
        max(0, Int(-(log10(step) + 1e-9).rounded(.down)))
    }

    /// `value` rounded to `decimals`, so 3 × 0.2 is 0.6 and not 0.6000000000000001.
    static func clean(_ value: Double, decimals: Int) -> Double {
        let scale = pow(10, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        return rounded == 0 ? 0 : rounded
    }
}
