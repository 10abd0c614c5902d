import Foundation

/// A linear map from an axis's round tick range onto a pixel span; `start` is where `ticks.low` lands (the bottom
/// of a vertical axis, the left of a horizontal one).
struct AxisScale {
    let ticks: AxisTicks
    let start: Double
    let end: Double

    /// The pixel position of `value`.
    func position(_ value: Double) -> Double {
        start + (end - start) * (value - ticks.low) / (ticks.high - ticks.low)
    }
}

/// Gridlines, tick labels and legends shared by the charts.
enum ChartAxes {
    /// Horizontal gridlines from `left` to `right` at every tick of a vertical axis, labels left of `left`.
    static func vertical(_ axis: AxisScale, left: Double, right: Double) -> String {
        var svg = ""
        for tick in axis.ticks.values {
            let y = axis.position(tick)
            svg += SVGText.line(x1: left, y1: y, x2: right, y2: y, stroke: "#eeeeee")
            svg += SVGText.text(axis.ticks.label(tick), x: left - 6, y: y + 4, anchor: "end", size: 10)
        }
        return svg
    }

    /// Vertical gridlines from `top` to `bottom` at every tick of a horizontal axis, labels under `bottom`.
    static func horizontal(_ axis: AxisScale, top: Double, bottom: Double) -> String {
        var svg = ""
        for tick in axis.ticks.values {
            let x = axis.position(tick)
            svg += SVGText.line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#eeeeee")
            svg += SVGText.text(axis.ticks.label(tick), x: x, y: bottom + 14, anchor: "middle", size: 10)
        }
        return svg
    }

    /// A legend of coloured swatches, one row per name, from (`x`, `y`).
    static func legend(_ names: [String], colors: [String], x: Double, y: Double) -> String {
        var svg = ""
        for (i, name) in names.enumerated() {
            let ly = y + 16 * Double(i)
            svg +=
                "<rect x=\"\(SVGText.coordinate(x))\" y=\"\(SVGText.coordinate(ly))\" width=\"10\" height=\"10\" "
                + "fill=\"\(colors[i])\"/>\n"
            svg += SVGText.text(name, x: x + 14, y: ly + 9, size: 11)
        }
        return svg
    }

    /// The width a legend of `names` needs.
    static func legendWidth(_ names: [String]) -> Double {
        (names.map { SVGText.estimatedWidth($0, size: 11) }.max() ?? 30) + 34
    }
}
