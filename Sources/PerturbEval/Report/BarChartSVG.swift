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

    /// The round axis ticks the chart uses (covering 0 and all error bars).
    func range() -> (Double, Double) {
        let ticks = Self.axisTicks(bars)
        return (ticks.low, ticks.high)
    }

    /// Round ticks covering 0 and every finite value and error bound of `bars` (shared with the forest plot).
    static func axisTicks(_ bars: [[Bar?]]) -> AxisTicks {
        var lo = 0.0, hi = 0.0
        for bar in bars.joined().compactMap({ $0 }) {
            for v in [bar.value, bar.low, bar.high].compactMap({ $0 }) where v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        return AxisTicks(covering: lo, hi == lo ? lo + 1 : hi)
    }

    /// The SVG document.
    public func render() -> String {
        let barWidth = 18.0, gap = 22.0
        let groupWidth = barWidth * Double(max(series.count, 1)) + gap
        let left = 70.0, plotHeight = 260.0
        let bottom = (groups.map { SVGText.estimatedWidth($0, size: 10) }.max() ?? 20) * 0.5 + 30
        let legendWidth = ChartAxes.legendWidth(series)
        let plotWidth = groupWidth * Double(max(groups.count, 1))
        let width = max(left + plotWidth + legendWidth + 20, 360)
        let (titleSVG, top) = SVGText.title(title, width: width)
        let height = top + plotHeight + bottom
        let axis = AxisScale(ticks: Self.axisTicks(bars), start: top + plotHeight, end: top)
        func y(_ v: Double) -> Double { axis.position(v) }
        var svg = SVGText.header(width: width, height: height, title: title) + titleSVG
        svg += ChartAxes.vertical(axis, left: left, right: left + plotWidth)
        svg += SVGText.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: "#444444")
        svg += SVGText.line(x1: left, y1: y(0), x2: left + plotWidth, y2: y(0), stroke: "#444444")
        svg += SVGText.text(yLabel, x: 16, y: top + plotHeight / 2, anchor: "middle", rotate: -90)
        for (g, group) in groups.enumerated() {
            let x0 = left + groupWidth * Double(g) + gap / 2
            for (s, name) in series.enumerated() {
                guard let bar = bars[g][s], bar.value.isFinite else { continue }
                let x = x0 + barWidth * Double(s)
                let barTop = min(y(bar.value), y(0)), h = abs(y(bar.value) - y(0))
                let tip = SVGText.escape("\(group) / \(name): \(SVGText.value(bar.value, digits: 4))")
                svg +=
                    "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(barTop))\" "
                    + "width=\"\(SVGText.coordinate(barWidth - 2))\" height=\"\(SVGText.coordinate(h))\" "
                    + "fill=\"\(SVGText.color(s))\"><title>\(tip)</title></rect>\n"
                if let l = bar.low, let u = bar.high, l.isFinite, u.isFinite {
                    let cx = x + (barWidth - 2) / 2
                    let (c, yl, yu) = (SVGText.coordinate(cx), SVGText.coordinate(y(l)), SVGText.coordinate(y(u)))
                    let c4 = SVGText.coordinate(cx - 4)
                    svg +=
                        "<path d=\"M\(c) \(yl)V\(yu)M\(c4) \(yl)h8M\(c4) \(yu)h8\" "
                        + "stroke=\"#111111\" fill=\"none\"/>\n"
                }
            }
            svg += SVGText.text(
                group, x: x0 + barWidth * Double(series.count) / 2, y: top + plotHeight + 14,
                anchor: "end", size: 10, rotate: -30)
        }
        svg += ChartAxes.legend(series, colors: series.indices.map(SVGText.color), x: left + plotWidth + 16, y: top)
        svg += "</svg>\n"
        return svg
    }
}
