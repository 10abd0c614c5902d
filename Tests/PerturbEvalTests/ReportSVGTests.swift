import Foundation
import XCTest

@testable import PerturbEval

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses SVG text as XML and collects element names, attribute values and the text of `<text>` elements.
final class ReportXMLCollector: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var texts: [String] = []
    var attributeValues: [String] = []
    /// The root element's attributes.
    var root: [String: String] = [:]
    private var current: String?

    static func parse(_ svg: String) throws -> ReportXMLCollector {
        let collector = ReportXMLCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else {
            throw NSError(
                domain: "xml", code: 1,
                userInfo: [NSLocalizedDescriptionKey: "not well-formed: \(String(describing: parser.parserError))"])
        }
        return collector
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if elements.isEmpty { root = attributes }
        elements[name, default: 0] += 1
        attributeValues += attributes.values
        if name == "text" { current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current? += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let c = current { texts.append(c); current = nil }
    }
}

final class ReportSVGTests: XCTestCase {
    func testHeatmapIsWellFormedWithValuesLabelsAndLegend() throws {
        let heatmap = HeatmapSVG(
            title: "Spearman <A & B>", rowLabels: ["L1000 \"ph1\"", "tahoe"], columnLabels: ["L1000 \"ph1\"", "tahoe"],
            values: [[0.91, 0.2], [0.2, .nan]], scale: ColorScale.fitting([0.91, 0.2]), legendTitle: "mean")
        let xml = try ReportXMLCollector.parse(heatmap.render())
        XCTAssertEqual(xml.elements["svg"], 1)
        XCTAssertThrowsError(try ReportXMLCollector.parse("<svg><text>a & b</text></svg>"))  // the check can fail
        XCTAssertTrue(xml.texts.contains("Spearman <A & B>"))
        XCTAssertTrue(xml.texts.contains("0.910"))
        XCTAssertTrue(xml.texts.contains("n/a"))
        XCTAssertTrue(xml.texts.contains("L1000 \"ph1\""))
        // 4 cells + 20 legend steps + legend frame + n/a swatch + background.
        XCTAssertEqual(xml.elements["rect"], 4 + 20 + 1 + 1 + 1)
    }

    func testBarChartIsWellFormedWithErrorBars() throws {
        let chart = BarChartSVG(
            title: "RMSE by family", yLabel: "RMSE", groups: ["op3", "l1000"], series: ["scratch", "pretrained"],
            bars: [
                [.init(value: 0.35, low: 0.34, high: 0.36), .init(value: 0.34)],
                [nil, .init(value: -0.1, low: -0.2, high: 0.05)],
            ])
        let svg = chart.render()
        let xml = try ReportXMLCollector.parse(svg)
        XCTAssertEqual(xml.elements["path"], 2)  // two bars have error bars
        XCTAssertEqual(xml.elements["rect"], 1 + 3 + 2)  // background, 3 bars, 2 legend swatches
        XCTAssertTrue(xml.texts.contains("pretrained"))
        let (lo, hi) = chart.range()  // round ends covering every error bar
        XCTAssertEqual(lo, -0.2, accuracy: 1e-12)
        XCTAssertEqual(hi, 0.4, accuracy: 1e-12)
        XCTAssertTrue(
            xml.texts.contains("0.2") && xml.texts.contains("-0.2") && xml.texts.contains("0.0"), "\(xml.texts)")
    }

    func testColorScale() {
        let s = ColorScale(kind: .sequential, low: 0, high: 1)
        XCTAssertEqual(s.color(0), "#ffffff")
        XCTAssertEqual(s.color(1), "#2166ac")
        XCTAssertEqual(s.color(2), "#2166ac")  // clamped
        XCTAssertEqual(s.color(.nan), "#dddddd")
        let d = ColorScale.fitting([-0.2, 0.5], divergingAround: 0)
        XCTAssertEqual(d.low, -0.5)
        XCTAssertEqual(d.color(0), "#ffffff")
        XCTAssertEqual(d.color(0.5), "#b2182b")
        XCTAssertEqual(ColorScale(kind: .sequential, low: 0, high: 1, reversed: true).color(0), "#2166ac")
    }

    func testMarkdownTableEscapesPipes() {
        let table = MarkdownTable(header: ["pair", "mean"], rows: [["A|B", "0.5"]], rightAligned: [1])
        XCTAssertEqual(table.render(), "| pair | mean |\n|---|---:|\n| A\\|B | 0.5 |\n")
    }
}
