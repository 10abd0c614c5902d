import Foundation

/// A scatter plot of points in colour groups, with round ticks, a legend of the groups and optionally the y = x
/// line, as standalone SVG. Non-finite points are left out.
public struct ScatterSVG: Sendable {
    /// One point and the index of its group in `groups`.
    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        public var group: Int

        public init(x: Double, y: Double, group: Int = 0) {
            self.x = x
            self.y = y
            self.group = group
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Legend names of the colour groups (palette order); the single unnamed group `[""]` draws no legend.
    public var groups: [String]
    /// Colour of each group (`#rrggbb`).
    public var colors: [String]
    public var points: [Point]
    /// Draw y = x and give both axes the same range (predicted against observed).
    public var identityLine: Bool

    /// A scatter; `colors` default to the palette in group order.
    public init(
        title: String, xLabel: String, yLabel: String, groups: [String] = [""], colors: [String]? = nil,
        points: [Point], identityLine: Bool = false
    ) {
        precondition(points.allSatisfy { groups.indices.contains($0.group) }, "scatter point outside the groups")
        precondition(colors.map { $0.count == groups.count } ?? true, "one colour per scatter group")
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.groups = groups
        self.colors = colors ?? groups.indices.map(SVGText.color)
        self.points = points
        self.identityLine = identityLine
    }

    /// Round ticks of both axes over the finite points (one shared range with `identityLine`).
    func axisTicks() -> (x: AxisTicks, y: AxisTicks) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        let xs = finite.map(\.x), ys = finite.map(\.y)
        if identityLine {
            let shared = AxisTicks(covering: min(xs.min() ?? 0, ys.min() ?? 0), max(xs.max() ?? 1, ys.max() ?? 1))
            return (shared, shared)
        }
        return (AxisTicks(covering: xs.min() ?? 0, xs.max() ?? 1), AxisTicks(covering: ys.min() ?? 0, ys.max() ?? 1))
    }

    /// The SVG document.
    public func render() -> String {
        let left = 64.0, plot = 360.0
        let legend = groups == [""] ? [] : groups
        let legendWidth = legend.isEmpty ? 0 : ChartAxes.legendWidth(legend)
        let width = max(left + plot + legendWidth + 24, 420)
        let (titleSVG, top) = SVGText.title(title, width: width)
        let height = top + plot + 48
        let (xTicks, yTicks) = axisTicks()
        let xAxis = AxisScale(ticks: xTicks, start: left, end: left + plot)
        let yAxis = AxisScale(ticks: yTicks, start: top + plot, end: top)
        var svg = SVGText.header(width: width, height: height, title: title) + titleSVG
        svg += ChartAxes.vertical(yAxis, left: left, right: left + plot)
        svg += ChartAxes.horizontal(xAxis, top: top, bottom: top + plot)
        svg += SVGText.line(x1: left, y1: top, x2: left, y2: top + plot, stroke: "#444444")
        svg += SVGText.line(x1: left, y1: top + plot, x2: left + plot, y2: top + plot, stroke: "#444444")
        svg += SVGText.text(xLabel, x: left + plot / 2, y: top + plot + 34, anchor: "middle")
        svg += SVGText.text(yLabel, x: 16, y: top + plot / 2, anchor: "middle", rotate: -90)
        if identityLine {
            let (low, high) = (xTicks.low, xTicks.high)
            svg += SVGText.line(
                x1: xAxis.position(low), y1: yAxis.position(low), x2: xAxis.position(high),
                y2: yAxis.position(high), stroke: "#888888", dash: "4 3")
        }
        // One group element per colour keeps the file small: each point is a bare circle.
        for g in groups.indices {
            let members = points.filter { $0.group == g && $0.x.isFinite && $0.y.isFinite }
            guard !members.isEmpty else { continue }
            svg += "<g fill=\"\(colors[g])\" fill-opacity=\"0.6\">\n"
            for p in members {
                let (cx, cy) = (SVGText.coordinate(xAxis.position(p.x)), SVGText.coordinate(yAxis.position(p.y)))
                svg += "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"2.5\"/>\n"
            }
            svg += "</g>\n"
        }
        if !legend.isEmpty {
            svg += ChartAxes.legend(legend, colors: colors, x: left + plot + 16, y: top)
        }
        svg += "</svg>\n"
        return svg
    }
}
