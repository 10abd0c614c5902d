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

    /// A text element.
    static func text(_ s: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil, weight: String? = nil,
                     fill: String = "#222222", rotate: Double? = nil) -> String {
        var attributes = "x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\""
        if let size { attributes += " font-size=\"\(coordinate(size))\"" }
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        if let rotate { attributes += " transform=\"rotate(\(coordinate(rotate)) \(coordinate(x)) \(coordinate(y)))\"" }
        return "<text \(attributes)>\(escape(s))</text>\n"
    }
}
