import Foundation

/// Maps numbers to colours for heatmaps: sequential (white → blue) or diverging (blue ← white → red) around a centre.
public struct ColorScale: Sendable {
    public enum Kind: Sendable {
        /// `low` white, `high` dark blue.
        case sequential
        /// `low` dark blue, `center` white, `high` dark red.
        case diverging(center: Double)
    }
    public var kind: Kind
    public var low: Double
    public var high: Double
    /// Swap the ends (for metrics where lower is better, so "better" keeps the same colour).
    public var reversed: Bool

    public init(kind: Kind, low: Double, high: Double, reversed: Bool = false) {
        self.kind = kind
        self.low = low
        self.high = high
        self.reversed = reversed
    }

    /// A scale covering the finite `values` with round ends: diverging symmetric around `center` (its reach rounded
    /// up to a 1-2-5 step), or sequential over round ends of the values' range widened to include 0 (so one value
    /// 0.57 gets 0...0.6, not 0.07...1.07).
    public static func fitting(
        _ values: [Double], divergingAround center: Double? = nil,
        reversed: Bool = false
    ) -> ColorScale {
        let finite = values.filter(\.isFinite)
        if let center {
            let reach = AxisTicks(covering: 0, max(finite.map { abs($0 - center) }.max() ?? 1, 1e-9)).high
            return ColorScale(
                kind: .diverging(center: center), low: center - reach, high: center + reach,
                reversed: reversed)
        }
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let ticks = AxisTicks(covering: min(lo, 0), max(hi, 0))
        return ColorScale(kind: .sequential, low: ticks.low, high: ticks.high, reversed: reversed)
    }

    /// Round ticks over the scale's range, for the legend.
    public var ticks: AxisTicks { AxisTicks(covering: low, high, target: 6) }

    /// Colour of a value as `#rrggbb`; light grey for NaN.
    public func color(_ v: Double) -> String {
        guard v.isFinite else { return "#dddddd" }
        var t = (v - low) / (high - low)
        t = min(1, max(0, t))
        if reversed { t = 1 - t }
        let white = (255.0, 255.0, 255.0), blue = (33.0, 102.0, 172.0), red = (178.0, 24.0, 43.0)
        switch kind {
        case .sequential:
            return Self.hex(Self.mix(white, blue, t))
        case .diverging:
            return t < 0.5 ? Self.hex(Self.mix(blue, white, t * 2)) : Self.hex(Self.mix(white, red, (t - 0.5) * 2))
        }
    }

    /// Whether text on this colour should be white for contrast.
    public func needsLightText(_ v: Double) -> Bool {
        guard v.isFinite else { return false }
        var t = min(1, max(0, (v - low) / (high - low)))
        if reversed { t = 1 - t }
        switch kind {
        case .sequential: return t > 0.6
        case .diverging: return abs(t - 0.5) > 0.35
        }
    }

    static func mix(
        _ a: (Double, Double, Double), _ b: (Double, Double, Double), _ t: Double
    ) -> (Double, Double, Double) {
        (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t)
    }

    static func hex(_ c: (Double, Double, Double)) -> String {
        String(format: "#%02x%02x%02x", Int(c.0.rounded()), Int(c.1.rounded()), Int(c.2.rounded()))
    }
}
