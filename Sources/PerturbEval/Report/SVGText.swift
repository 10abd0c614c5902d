import Foundation

/// Small helpers for hand-written SVG: escaping and number formatting.
public enum SVGText {
    /// Escapes text for XML character data and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Drop control characters that XML 1.0 forbids.
                if let ascii = ch.asciiValue, ascii < 0x20, ch != "\n", ch != "\t" { continue }
                out.append(ch)
            }
        }
        return out
    }

    /// A coordinate with at most 2 decimals.
    public static func coordinate(_ v: Double) -> String {
        let s = String(format: "%.2f", v)
        var t = s
        while t.contains(".") && (t.hasSuffix("0") || t.hasSuffix(".")) { t.removeLast() }
        return t == "-0" ? "0" : t
    }

    /// A value for display: `digits` significant decimals, "n/a" for NaN or nil.
    public static func value(_ v: Double?, digits: Int = 3) -> String {
        guard let v, v.isFinite else { return "n/a" }
        return String(format: "%.\(digits)f", v)
    }

    /// Opening of a standalone SVG document of the given size with a white background and a default font.
    static func header(width: Double, height: Double, title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(coordinate(width))" height="\(coordinate(height))" \
        viewBox="0 0 \(coordinate(width)) \(coordinate(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <title>\(escape(title))</title>
        <rect x="0" y="0" width="\(coordinate(width))" height="\(coordinate(height))" fill="#ffffff"/>

        """
    }

    /// Colour-blind-safe palette (Okabe–Ito), cycled over series and groups.
    public static let palette = [
        "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    ]

    /// The palette colour of series `index`.
    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// Estimated width in px of `text` at font `size` (Helvetica/Arial average about 0.56 em, bold about 0.62 em),
    /// generous so that text placed by it does not run off the canvas.
    static func estimatedWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        Double(text.count) * size * (bold ? 0.62 : 0.56)
    }

    /// `text` split at spaces into lines no wider than `width` (a longer single word keeps its own line).
    static func wrap(_ text: String, width: Double, size: Double, bold: Bool = false) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if !line.isEmpty && estimatedWidth(candidate, size: size, bold: bold) > width {
                lines.append(line)
                line = String(word)
            } else {
                line = candidate
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// A bold 14 px title at the top left, wrapped to fit `width` px of canvas, and the height it takes (the plot
    /// starts below it).
    static func title(_ text: String, width: Double) -> (svg: String, height: Double) {
        let lines = wrap(text, width: width - 20, size: 14, bold: true)
        let svg = lines.enumerated().map { i, line in
            Self.text(line, x: 10, y: 20 + 18 * Double(i), size: 14, weight: "bold")
        }.joined()
        return (svg, 18 * Double(lines.count) + 12)
    }

    /// A straight line.
    static func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double? = nil,
        dash: String? = nil
    ) -> String {
        var attributes = "x1=\"\(coordinate(x1))\" y1=\"\(coordinate(y1))\" "
        attributes += "x2=\"\(coordinate(x2))\" y2=\"\(coordinate(y2))\" stroke=\"\(stroke)\""
        if let width { attributes += " stroke-width=\"\(coordinate(width))\"" }
        if let dash { attributes += " stroke-dasharray=\"\(dash)\"" }
        return "<line \(attributes)/>\n"
    }

    /// A text element.
    static func text(
        _ s: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil, weight: String? = nil,
        fill: String = "#222222", rotate: Double? = nil
    ) -> String {
        var attributes = "x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\""
        if let size { attributes += " font-size=\"\(coordinate(size))\"" }
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        if let rotate { attributes += " transform=\"rotate(\(coordinate(rotate)) \(coordinate(x)) \(coordinate(y)))\"" }
        return "<text \(attributes)>\(escape(s))</text>\n"
    }
}
