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

    public init(
        title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], scale: ColorScale,
        legendTitle: String, digits: Int = 3
    ) {
        precondition(
            values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count }, "heatmap shape")
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.scale = scale
        self.legendTitle = legendTitle
        self.digits = digits
    }

    /// The heatmap without the rows and columns that hold no finite value (datasets without any matched pair);
    /// nil when no value is left.
    public func droppingEmptyRowsAndColumns() -> HeatmapSVG? {
        let rows = rowLabels.indices.filter { i in values[i].contains(where: \.isFinite) }
        let columns = columnLabels.indices.filter { j in values.contains { $0[j].isFinite } }
        guard !rows.isEmpty, !columns.isEmpty else { return nil }
        return HeatmapSVG(
            title: title, rowLabels: rows.map { rowLabels[$0] },
            columnLabels: columns.map { columnLabels[$0] },
            values: rows.map { i in columns.map { values[i][$0] } }, scale: scale,
            legendTitle: legendTitle, digits: digits)
    }

    /// The SVG document.
    public func render() -> String {
        let cell = 64.0, cellHeight = 40.0
        let labelWidth = (rowLabels.map { SVGText.estimatedWidth($0, size: 12) }.max() ?? 30) + 16
        let headerHeight = (columnLabels.map { SVGText.estimatedWidth($0, size: 12) }.max() ?? 30) * 0.58 + 20
        let left = max(labelWidth, 60)
        let gridWidth = cell * Double(columnLabels.count), gridHeight = cellHeight * Double(rowLabels.count)
        let legendWidth = max(90, SVGText.estimatedWidth(legendTitle, size: 10) + 10)
        // Column labels rise to the right (−35°): leave room for the last one past the grid.
        let lastLabel = SVGText.estimatedWidth(columnLabels.last ?? "", size: 12) * 0.82
        let width = max(left + gridWidth + legendWidth + 30, left + gridWidth - cell / 2 + lastLabel + 10, 360)
        let (titleSVG, titleHeight) = SVGText.title(title, width: width)
        let top = titleHeight + max(headerHeight, 40)
        let height = max(top + gridHeight + 30, top + 200)
        var svg = SVGText.header(width: width, height: height, title: title) + titleSVG
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
                svg +=
                    "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(yy))\" width=\"\(SVGText.coordinate(cell))\" "
                    + "height=\"\(SVGText.coordinate(cellHeight))\" fill=\"\(scale.color(v))\" stroke=\"#ffffff\"/>\n"
                svg += SVGText.text(
                    SVGText.value(v, digits: digits), x: x + cell / 2, y: y, anchor: "middle",
                    fill: scale.needsLightText(v) ? "#ffffff" : "#222222")
            }
        }
        svg += legend(x: left + gridWidth + 20, y: top)
        svg += "</svg>\n"
        return svg
    }

    /// A vertical colour bar with the scale's round ticks labelled, and the n/a swatch under it.
    func legend(x: Double, y: Double) -> String {
        let steps = 20, barHeight = 150.0, barWidth = 16.0
        var out = SVGText.text(legendTitle, x: x, y: y - 6, size: 10)
        for s in 0..<steps {
            // Top of the bar = high end of the scale.
            let t = 1 - (Double(s) + 0.5) / Double(steps)
            let v = scale.low + t * (scale.high - scale.low)
            let top = SVGText.coordinate(y + barHeight * Double(s) / Double(steps))
            let step = SVGText.coordinate(barHeight / Double(steps) + 0.5)
            out +=
                "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(top)\" "
                + "width=\"\(SVGText.coordinate(barWidth))\" height=\"\(step)\" "
                + "fill=\"\(scale.color(v))\"/>\n"
        }
        out +=
            "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(y))\" width=\"\(SVGText.coordinate(barWidth))\" "
            + "height=\"\(SVGText.coordinate(barHeight))\" fill=\"none\" stroke=\"#888888\"/>\n"
        let ticks = scale.ticks
        for tick in ticks.values where tick >= scale.low - 1e-12 && tick <= scale.high + 1e-12 {
            let ty = y + barHeight * (scale.high - tick) / (scale.high - scale.low)
            out += SVGText.line(x1: x + barWidth, y1: ty, x2: x + barWidth + 3, y2: ty, stroke: "#888888")
            out += SVGText.text(ticks.label(tick), x: x + barWidth + 5, y: ty + 3.5, size: 10)
        }
        out += SVGText.text("n/a", x: x + barWidth + 5, y: y + barHeight + 22, size: 10)
        out +=
            "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(y + barHeight + 12))\" "
            + "width=\"\(SVGText.coordinate(barWidth))\" height=\"12\" fill=\"\(scale.color(.nan))\"/>\n"
        return out
    }
}
