import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbEval

/// `REPORT.html` built from a folder's Markdown and SVG files (issue 19.5).
final class ReportHTMLTests: XCTestCase {
    func testMarkdownBecomesEscapedHTML() {
        let converter = MarkdownHTML { path, alt in "[figure \(path) \(alt)]" }
        let md = """
            # Title <1>

            Text with `code & more` and a [link](a b.tsv).
            second line

            - item `x`
            - item <y>

            | pair | mean |
            |---|---:|
            | A\\|B | 0.5 |

            ![first](one.svg) ![second figure](two.svg)
            """
        let html = converter.convert(md)
        XCTAssertTrue(html.contains("<h1>Title &lt;1&gt;</h1>"), html)
        let paragraph = "<p>Text with <code>code &amp; more</code> and a <a href=\"a b.tsv\">link</a>. second line</p>"
        XCTAssertTrue(html.contains(paragraph), html)
        XCTAssertTrue(html.contains("<ul>\n<li>item <code>x</code></li>\n<li>item &lt;y&gt;</li>\n</ul>"), html)
        XCTAssertTrue(html.contains("<tr><th>pair</th><th class=\"num\">mean</th></tr>"), html)
        XCTAssertTrue(html.contains("<tr><td>A|B</td><td class=\"num\">0.5</td></tr>"), html)
        let figures = "<div class=\"figures\">\n[figure one.svg first]\n[figure two.svg second figure]\n</div>"
        XCTAssertTrue(html.contains(figures), html)
    }

    func testPageInlinesEveryFigureOnceWithCommandsAndNoMissingValues() throws {
        let folder = try temporaryDirectory("report-html")
        let bars = BarChartSVG(title: "RMSE", yLabel: "RMSE", groups: ["a"], series: ["s"], bars: [[.init(value: 0.3)]])
        let heatmap = HeatmapSVG(
            title: "Spearman", rowLabels: ["A", "B"], columnLabels: ["A", "B"],
            values: [[1, 0.4], [0.4, .nan]], scale: ColorScale(kind: .diverging(center: 0), low: -1, high: 1),
            legendTitle: "mean")
        try AtomicFile.write(bars.render(), to: folder.appendingPathComponent("bars.svg"))
        try AtomicFile.write(heatmap.render(), to: folder.appendingPathComponent("heatmap.svg"))
        let md = "# Report\n\n| metric | value |\n|---|---:|\n| rmse | \(SVGText.value(.nan)) |\n\n![bars](bars.svg)\n"
        try AtomicFile.write(md, to: folder.appendingPathComponent("summary.md"))
        let url = try HTMLReport.write(
            folder: folder, markdownFile: "summary.md", title: "A <report>",
            commands: ["perturbridge agreement --output 'x y' & more"])
        XCTAssertEqual(url.lastPathComponent, "REPORT.html")
        let html = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 2, "each figure once: the shown one, the other")
        XCTAssertFalse(html.contains("<?xml"), "XML declarations do not belong inside HTML")
        XCTAssertTrue(html.contains("<h2>More figures</h2>") && html.contains("<figcaption>heatmap.svg</figcaption>"))
        XCTAssertTrue(html.contains("<title>A &lt;report&gt;</title>"))
        XCTAssertTrue(
            html.contains("<pre><code>perturbridge agreement --output &apos;x y&apos; &amp; more</code></pre>"),
            "the commands, escaped")
        XCTAssertFalse(html.lowercased().contains("nan"), "a missing value must read n/a")
        XCTAssertTrue(html.contains("<td class=\"num\">n/a</td>"))
        for outside in ["<script", "<img", "<link", "src="] { XCTAssertFalse(html.contains(outside), outside) }
        // The page is well-formed XML apart from the doctype (its SVGs and tables nest properly).
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>\n", with: "")
            .replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "")
        XCTAssertNoThrow(try ReportXMLCollector.parse(body))

        try AtomicFile.write(md + "![gone](missing.svg)\n", to: folder.appendingPathComponent("summary.md"))
        XCTAssertThrowsError(
            try HTMLReport.write(
                folder: folder, markdownFile: "summary.md", title: "t",
                commands: [])
        ) { error in
            XCTAssertTrue("\(error)".contains("missing.svg"), "\(error)")
        }
    }
}
