/// A labelled heatmap with the value written in each cell and a colour legend, as standalone SVG.
public struct HeatmapSVG: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`; NaN draws a grey "n/a" cell.
    public var values: [[Double]]
    public var scale: ColorScale
    /// Caption under the legend (e.g. what the numbers are).
    public var legendTitle: String
    /// Decimals written in cells.
    public var digits: Int

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], scale: ColorScale,
                legendTitle: String, digits: Int = 3) {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count }, "heatmap shape")
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.scale = scale
        self.legendTitle = legendTitle
        self.digits = digits
    }

    /// The SVG document.
    public func render() -> String {
        let cell = 64.0, cellHeight = 40.0
        let labelWidth = Double((rowLabels.map(\.count).max() ?? 4)) * 7 + 16
        let headerHeight = Double((columnLabels.map(\.count).max() ?? 4)) * 5 + 56
        let left = max(labelWidth, 60), top = max(headerHeight, 70)
        let gridWidth = cell * Double(columnLabels.count), gridHeight = cellHeight * Double(rowLabels.count)
        let legendWidth = max(90, Double(legendTitle.count) * 5.5 + 10)
        let width = max(left + gridWidth + legendWidth + 30, Double(title.count) * 7.5 + 20)
        let height = max(top + gridHeight + 30, top + 200)
        var svg = SVGText.header(width: width, height: height, title: title)
        svg += SVGText.text(title, x: 10, y: 20, size: 14, weight: "bold")
        for (j, label) in columnLabels.enumerated() {
            let x = left + cell * (Double(j) + 0.5)
            svg += SVGText.text(label, x: x, y: top - 8, anchor: "start", rotate: -35)
        }
        for (i, label) in rowLabels.enumerated() {
            let y = top + cellHeight * (Double(i) + 0.5) + 4
            svg += SVGText.text(label, x: left - 6, y: y, anchor: "end")
            for j in columnLabels.indices {
                let v = values[i][j]
                let x = left + cell * Double(j), yy = top + cellHeight * Double(i)
                svg += "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(yy))\" width=\"\(SVGText.coordinate(cell))\" "
                    + "height=\"\(SVGText.coordinate(cellHeight))\" fill=\"\(scale.color(v))\" stroke=\"#ffffff\"/>\n"
                svg += SVGText.text(SVGText.value(v, digits: digits), x: x + cell / 2, y: y, anchor: "middle",
                                    fill: scale.needsLightText(v) ? "#ffffff" : "#222222")
            }
        }
        svg += legend(x: left + gridWidth + 20, y: top)
        svg += "</svg>\n"
        return svg
    }

    /// A vertical colour bar with the scale's ends and centre labelled.
    func legend(x: Double, y: Double) -> String {
        let steps = 20, barHeight = 150.0, barWidth = 16.0
        var out = SVGText.text(legendTitle, x: x, y: y - 6, size: 10)
        for s in 0..<steps {
            // Top of the bar = high end of the scale.
            let t = 1 - (Double(s) + 0.5) / Double(steps)
            let v = scale.low + t * (scale.high - scale.low)
            out += "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(y + barHeight * Double(s) / Double(steps)))\" "
                + "width=\"\(SVGText.coordinate(barWidth))\" height=\"\(SVGText.coordinate(barHeight / Double(steps) + 0.5))\" fill=\"\(scale.color(v))\"/>\n"
        }
        out += "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(y))\" width=\"\(SVGText.coordinate(barWidth))\" "
            + "height=\"\(SVGText.coordinate(barHeight))\" fill=\"none\" stroke=\"#888888\"/>\n"
        out += SVGText.text(SVGText.value(scale.high, digits: digits), x: x + barWidth + 4, y: y + 8, size: 10)
        out += SVGText.text(SVGText.value((scale.low + scale.high) / 2, digits: digits), x: x + barWidth + 4, y: y + barHeight / 2 + 4, size: 10)
        out += SVGText.text(SVGText.value(scale.low, digits: digits), x: x + barWidth + 4, y: y + barHeight, size: 10)
        out += SVGText.text("n/a", x: x + barWidth + 4, y: y + barHeight + 22, size: 10)
        out += "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(y + barHeight + 12))\" width=\"\(SVGText.coordinate(barWidth))\" "
            + "height=\"12\" fill=\"\(scale.color(.nan))\"/>\n"
        return out
    }
}
