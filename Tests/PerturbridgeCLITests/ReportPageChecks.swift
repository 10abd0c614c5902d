import Foundation
import PerturbTestSupport
import XCTest

/// Checks of a `REPORT.html`: the file itself (self-contained, one inline `<svg>` per figure, no NaN in its tables)
/// and its render in headless Chromium (Debian `chromium`).
extension XCTestCase {
    /// Asserts that `page` holds `figures` inline SVGs, loads nothing from elsewhere, runs no script and has no
    /// missing value in a table cell; returns its text.
    @discardableResult
    func checkReportPage(
        _ page: URL, figures: Int, file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> String {
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"), "\(page.path) is not an HTML page", file: file, line: line)
        XCTAssertEqual(
            html.components(separatedBy: "<svg ").count - 1, figures, "inline figures in \(page.path)",
            file: file, line: line)
        for outside in ["<script", "<img", "<link", "src=", "url(", "href=\"http"] {
            XCTAssertFalse(
                html.contains(outside), "\(page.path) is not self-contained: it has \(outside)",
                file: file, line: line)
        }
        for cell in html.components(separatedBy: "<td").dropFirst().map({ $0.prefix { $0 != "<" } }) {
            let text = cell.drop { $0 != ">" }.dropFirst().trimmingCharacters(in: .whitespaces).lowercased()
            XCTAssertFalse(
                text.contains("nan") || ["na", "inf", "-inf", "+inf"].contains(text),
                "\(page.path) has a missing value: \(cell)", file: file, line: line)
        }
        return html
    }

    /// Renders `page` in headless Chromium: a 1200 × 2000 screenshot that must be a non-trivial PNG (large, and not
    /// one colour: more distinct scanlines than a uniform image can give) and the DOM, which must hold `figures`
    /// `<svg>` elements. Skips when Chromium is not installed, except under `CI=true`, where that fails.
    func checkRendersInChromium(_ page: URL, figures: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let chromium = ["chromium", "chromium-browser"].lazy.compactMap(Self.onPath).first else {
            throw Requirement.missing(
                "chromium is not installed (apt-get install chromium; scripts/install-deps.sh does)")
        }
        let work = try temporaryDirectory()
        let screenshot = work.appendingPathComponent("page.png")
        let profile = work.appendingPathComponent("profile").path
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)"]
        let shot = try CLI.run(
            common + [
                "--screenshot=\(screenshot.path)", "--window-size=1200,2000",
                page.absoluteString,
            ], executable: chromium, timeout: 120, file: file, line: line)
        XCTAssertEqual(shot.status, 0, shot.transcript, file: file, line: line)
        let png = try Data(contentsOf: screenshot)
        XCTAssertGreaterThan(
            png.count, 20_000, "the screenshot of \(page.lastPathComponent) is nearly empty",
            file: file, line: line)
        let dom = try CLI.run(
            common + ["--dump-dom", page.absoluteString], executable: chromium, timeout: 120,
            file: file, line: line)
        XCTAssertEqual(dom.status, 0, dom.transcript, file: file, line: line)
        XCTAssertEqual(
            dom.stdout.components(separatedBy: "<svg ").count - 1, figures, "svg elements in the DOM",
            file: file, line: line)
        XCTAssertTrue(dom.stdout.contains("</table>") || figures > 0, "the DOM lost the page", file: file, line: line)
        let scan = try ReferenceTool.run(["python3", "-c", Self.pngScan, screenshot.path], file: file, line: line)
        let numbers = scan.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(numbers.prefix(2), [1200, 2000], "screenshot size: \(scan)", file: file, line: line)
        XCTAssertGreaterThan(
            numbers.last ?? 0, 50, "the screenshot looks like one colour (distinct rows: \(scan))",
            file: file, line: line)
    }

    /// The executable `name` on `PATH`, if any.
    static func onPath(_ name: String) -> URL? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Prints a PNG's width, height and number of distinct filtered scanlines (standard library only): a one-colour
    /// image has at most one scanline per PNG filter type, five.
    static let pngScan = """
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
        pos, idat = 8, b''
        while pos < len(data):
            n, kind = struct.unpack('>I4s', data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + n]
            pos += 12 + n
            if kind == b'IHDR':
                width, height, depth, colour = struct.unpack('>IIBB', body[:10])
            elif kind == b'IDAT':
                idat += body
        raw = zlib.decompress(idat)
        stride = len(raw) // height
        print(width, height, len({raw[i * stride:(i + 1) * stride] for i in range(height)}))
        """
}
