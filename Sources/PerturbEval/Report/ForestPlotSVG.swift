import Foundation

/// A forest plot as standalone SVG: per group (e.g. dataset) one row per series (e.g. family) with a point estimate
/// and its confidence interval on a horizontal axis, and a reference line at 0.
public struct ForestPlotSVG: Sendable {
    public var title: String
    public var xLabel: String
    /// Groups down the page (e.g. datasets).
    public var groups: [String]
    /// Series within each group, drawn in distinct colours with a legend.
    public var series: [String]
    /// `points[group][series]`: estimate and interval (the same `Bar` as the bar chart); nil leaves the row empty.
    public var points: [[BarChartSVG.Bar?]]

    public init(title: String, xLabel: String, groups: [String], series: [String], points: [[BarChartSVG.Bar?]]) {
        precondition(
            points.count == groups.count && points.allSatisfy { $0.count == series.count }, "forest plot shape")
        self.title = title
        self.xLabel = xLabel
        self.groups = groups
        self.series = series
        self.points = points
    }

    /// The SVG document.
    public func render() -> String {
        let rowHeight = 14.0, groupGap = 8.0, plotWidth = 360.0
        let left = (groups.map { SVGText.estimatedWidth($0, size: 11) }.max() ?? 30) + 20
        let legendWidth = ChartAxes.legendWidth(series)
        let groupHeight = rowHeight * Double(max(series.count, 1)) + groupGap
        let plotHeight = groupHeight * Double(max(groups.count, 1))
        let width = left + plotWidth + legendWidth + 20
        let (titleSVG, top) = SVGText.title(title, width: width)
        let height = top + plotHeight + 50
        // The x range covers 0 and every finite estimate and bound, as the bar chart's y range does.
        let axis = AxisScale(ticks: BarChartSVG.axisTicks(points), start: left, end: left + plotWidth)
        func x(_ v: Double) -> Double { axis.position(v) }
        var svg = SVGText.header(width: width, height: height, title: title) + titleSVG
        svg += ChartAxes.horizontal(axis, top: top, bottom: top + plotHeight)
        svg += SVGText.line(x1: x(0), y1: top, x2: x(0), y2: top + plotHeight, stroke: "#444444")
        svg += SVGText.text(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 32, anchor: "middle")
        for (g, group) in groups.enumerated() {
            let y0 = top + groupHeight * Double(g) + groupGap / 2
            svg += SVGText.text(
                group, x: left - 8, y: y0 + rowHeight * Double(series.count) / 2 + 4, anchor: "end",
                size: 11)
            for (s, name) in series.enumerated() {
                guard let point = points[g][s], point.value.isFinite else { continue }
                let y = y0 + rowHeight * (Double(s) + 0.5), colour = SVGText.color(s)
                if let l = point.low, let u = point.high, l.isFinite, u.isFinite {
                    let (from, to, at) = (SVGText.coordinate(x(l)), SVGText.coordinate(x(u)), SVGText.coordinate(y))
                    svg += "<path d=\"M\(from) \(at)H\(to)\" stroke=\"\(colour)\" stroke-width=\"2\" fill=\"none\"/>\n"
                }
                let tip = SVGText.escape("\(group) / \(name): \(SVGText.value(point.value, digits: 6))")
                svg +=
                    "<circle cx=\"\(SVGText.coordinate(x(point.value)))\" cy=\"\(SVGText.coordinate(y))\" r=\"3.5\" "
                    + "fill=\"\(colour)\"><title>\(tip)</title></circle>\n"
            }
        }
        svg += ChartAxes.legend(series, colors: series.indices.map(SVGText.color), x: left + plotWidth + 16, y: top)
        svg += "</svg>\n"
        return svg
    }
}
