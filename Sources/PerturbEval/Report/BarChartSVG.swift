import Foundation

/// A grouped bar chart with optional error bars (e.g. mean ± sd or a CI per family and dataset), as standalone SVG.
public struct BarChartSVG: Sendable {
    /// One bar: value and optional error interval (absolute low/high).
    public struct Bar: Sendable {
        public var value: Double
        public var low: Double?
        public var high: Double?
        public init(value: Double, low: Double? = nil, high: Double? = nil) {
            self.value = value
            self.low = low
            self.high = high
        }
    }

    public var title: String
    public var yLabel: String
    /// Groups along the x axis (e.g. datasets).
    public var groups: [String]
    /// Series within each group (e.g. model families), drawn in distinct colours with a legend.
    public var series: [String]
    /// `bars[group][series]`; nil leaves a gap.
    public var bars: [[Bar?]]

    public init(title: String, yLabel: String, groups: [String], series: [String], bars: [[Bar?]]) {
        precondition(bars.count == groups.count && bars.allSatisfy { $0.count == series.count }, "bar chart shape")
        self.title = title
        self.yLabel = yLabel
        self.groups = groups
        self.series = series
        self.bars = bars
    }

    /// Colour-blind-safe palette (Okabe–Ito), cycled.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

    /// The value range the axis must cover (including 0 and all error bars).
    func range() -> (Double, Double) { Self.axisRange(bars) }

    /// The padded range covering 0 and every finite value and error bound of `bars` (shared with the forest plot).
    static func axisRange(_ bars: [[Bar?]]) -> (Double, Double) {
        var lo = 0.0, hi = 0.0
        for bar in bars.joined().compactMap({ $0 }) {
            for v in [bar.value, bar.low, bar.high].compactMap({ $0 }) where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        }
        if hi - lo < 1e-12 { hi = lo + 1 }
        let pad = (hi - lo) * 0.08
        return (lo < 0 ? lo - pad : 0, hi > 0 ? hi + pad : 0)
    }

    /// The SVG document.
    public func render() -> String {
        let barWidth = 18.0, gap = 22.0
        let groupWidth = barWidth * Double(max(series.count, 1)) + gap
        let left = 70.0, top = 40.0, plotHeight = 260.0
        let bottom = Double((groups.map(\.count).max() ?? 4)) * 5.5 + 30
        let legendWidth = Double((series.map(\.count).max() ?? 4)) * 7 + 40
        let plotWidth = groupWidth * Double(max(groups.count, 1))
        let width = left + plotWidth + legendWidth + 20, height = top + plotHeight + bottom
        let (lo, hi) = range()
        func y(_ v: Double) -> Double { top + plotHeight * (hi - v) / (hi - lo) }
        var svg = SVGText.header(width: width, height: height, title: title)
        svg += SVGText.text(title, x: 10, y: 20, size: 14, weight: "bold")
        // Axis with 5 ticks.
        for t in 0...4 {
            let v = lo + (hi - lo) * Double(t) / 4
            svg += "<line x1=\"\(SVGText.coordinate(left))\" y1=\"\(SVGText.coordinate(y(v)))\" x2=\"\(SVGText.coordinate(left + plotWidth))\" "
                + "y2=\"\(SVGText.coordinate(y(v)))\" stroke=\"#eeeeee\"/>\n"
            svg += SVGText.text(Self.tick(v, span: hi - lo), x: left - 6, y: y(v) + 4, anchor: "end", size: 10)
        }
        svg += "<line x1=\"\(SVGText.coordinate(left))\" y1=\"\(SVGText.coordinate(top))\" x2=\"\(SVGText.coordinate(left))\" "
            + "y2=\"\(SVGText.coordinate(top + plotHeight))\" stroke=\"#444444\"/>\n"
        svg += "<line x1=\"\(SVGText.coordinate(left))\" y1=\"\(SVGText.coordinate(y(0)))\" x2=\"\(SVGText.coordinate(left + plotWidth))\" "
            + "y2=\"\(SVGText.coordinate(y(0)))\" stroke=\"#444444\"/>\n"
        svg += SVGText.text(yLabel, x: 16, y: top + plotHeight / 2, anchor: "middle", rotate: -90)
        for (g, group) in groups.enumerated() {
            let x0 = left + groupWidth * Double(g) + gap / 2
            for (s, _) in series.enumerated() {
                guard let bar = bars[g][s], bar.value.isFinite else { continue }
                let x = x0 + barWidth * Double(s)
                let top = min(y(bar.value), y(0)), h = abs(y(bar.value) - y(0))
                svg += "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(top))\" width=\"\(SVGText.coordinate(barWidth - 2))\" "
                    + "height=\"\(SVGText.coordinate(h))\" fill=\"\(Self.palette[s % Self.palette.count])\"><title>\(SVGText.escape("\(group) / \(series[s]): \(SVGText.value(bar.value, digits: 4))"))</title></rect>\n"
                if let l = bar.low, let u = bar.high, l.isFinite, u.isFinite {
                    let cx = x + (barWidth - 2) / 2
                    svg += "<path d=\"M\(SVGText.coordinate(cx)) \(SVGText.coordinate(y(l)))V\(SVGText.coordinate(y(u)))"
                        + "M\(SVGText.coordinate(cx - 4)) \(SVGText.coordinate(y(l)))h8M\(SVGText.coordinate(cx - 4)) \(SVGText.coordinate(y(u)))h8\" "
                        + "stroke=\"#111111\" fill=\"none\"/>\n"
                }
            }
            svg += SVGText.text(group, x: x0 + barWidth * Double(series.count) / 2, y: top + plotHeight + 14, anchor: "end", size: 10, rotate: -30)
        }
        for (s, name) in series.enumerated() {
            let ly = top + 16 * Double(s)
            svg += "<rect x=\"\(SVGText.coordinate(left + plotWidth + 16))\" y=\"\(SVGText.coordinate(ly))\" width=\"10\" height=\"10\" "
                + "fill=\"\(Self.palette[s % Self.palette.count])\"/>\n"
            svg += SVGText.text(name, x: left + plotWidth + 30, y: ly + 9, size: 11)
        }
        svg += "</svg>\n"
        return svg
    }

    static func tick(_ v: Double, span: Double) -> String {
        let digits = span >= 10 ? 1 : (span >= 1 ? 2 : (span >= 0.1 ? 3 : 4))
        return String(format: "%.\(digits)f", v)
    }
}
