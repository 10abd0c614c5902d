import Foundation

/// A line chart of several series over a shared x axis (e.g. RMSE per epoch), with round ticks and a legend, as
/// standalone SVG. Non-finite points break a line.
public struct LineChartSVG: Sendable {
    /// One line: its legend name, points and style.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Dashed line (e.g. the training curve beside validation curves).
        public var dashed: Bool
        /// Stroke width in px.
        public var width: Double

        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, width: Double = 1.5) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.width = width
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// Round ticks of the x and y axes over every finite point (y includes no forced 0: curves are read for shape;
    /// x steps by whole numbers when every x is one, as epochs are).
    func axisTicks() -> (x: AxisTicks, y: AxisTicks) {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = points.map(\.x), ys = points.map(\.y)
        let whole = xs.allSatisfy { $0 == $0.rounded() }
        return (
            AxisTicks(covering: xs.min() ?? 0, xs.max() ?? 1, target: 6, minimumStep: whole ? 1 : 0),
            AxisTicks(covering: ys.min() ?? 0, ys.max() ?? 1)
        )
    }

    /// The SVG document.
    public func render() -> String {
        let left = 64.0, plotWidth = 420.0, plotHeight = 240.0
        let legendWidth = ChartAxes.legendWidth(series.map(\.name)) + 10
        let width = left + plotWidth + legendWidth + 20
        let (titleSVG, top) = SVGText.title(title, width: width)
        let height = top + plotHeight + 48
        let (xTicks, yTicks) = axisTicks()
        let xAxis = AxisScale(ticks: xTicks, start: left, end: left + plotWidth)
        let yAxis = AxisScale(ticks: yTicks, start: top + plotHeight, end: top)
        var svg = SVGText.header(width: width, height: height, title: title) + titleSVG
        svg += ChartAxes.vertical(yAxis, left: left, right: left + plotWidth)
        svg += ChartAxes.horizontal(xAxis, top: top, bottom: top + plotHeight)
        svg += SVGText.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: "#444444")
        svg += SVGText.line(
            x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight,
            stroke: "#444444")
        svg += SVGText.text(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 34, anchor: "middle")
        svg += SVGText.text(yLabel, x: 16, y: top + plotHeight / 2, anchor: "middle", rotate: -90)
        for (s, line) in series.enumerated() {
            var path = "", pen = "M"
            for point in line.points {
                guard point.x.isFinite, point.y.isFinite else { pen = "M"; continue }
                let (x, y) = (SVGText.coordinate(xAxis.position(point.x)), SVGText.coordinate(yAxis.position(point.y)))
                path += "\(pen)\(x) \(y)"
                pen = "L"
            }
            guard !path.isEmpty else { continue }
            let dash = line.dashed ? " stroke-dasharray=\"5 3\"" : ""
            svg +=
                "<path d=\"\(path)\" stroke=\"\(SVGText.color(s))\" "
                + "stroke-width=\"\(SVGText.coordinate(line.width))\" fill=\"none\"\(dash)>"
                + "<title>\(SVGText.escape(line.name))</title></path>\n"
        }
        svg += legend(x: left + plotWidth + 16, y: top)
        svg += "</svg>\n"
        return svg
    }

    /// One row per series: a short line in its colour and style, then its name.
    func legend(x: Double, y: Double) -> String {
        var svg = ""
        for (s, line) in series.enumerated() {
            let ly = y + 16 * Double(s) + 5
            svg += SVGText.line(
                x1: x, y1: ly, x2: x + 18, y2: ly, stroke: SVGText.color(s), width: line.width,
                dash: line.dashed ? "5 3" : nil)
            svg += SVGText.text(line.name, x: x + 24, y: ly + 4, size: 11)
        }
        return svg
    }
}
