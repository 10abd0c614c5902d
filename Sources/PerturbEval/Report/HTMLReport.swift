import Foundation
import PerturbBase

/// `REPORT.html`: one self-contained page for an output folder — its Markdown report as HTML (tables as HTML
/// tables), every SVG figure inline (those the Markdown shows where it shows them, the folder's other `.svg` files
/// after it) and the command lines that made the folder. No script, style sheet, font or image is loaded from
/// anywhere, so the page opens the same from a copy of the file alone.
public enum HTMLReport {
    /// The file name in an output folder.
    public static let fileName = "REPORT.html"

    /// Writes `REPORT.html` into `folder` (atomically) from the folder's `markdownFile` and its SVG files; returns
    /// its URL. Throws when the Markdown or a figure it shows cannot be read.
    @discardableResult
    public static func write(folder: URL, markdownFile: String, title: String, commands: [String]) throws -> URL {
        let markdownURL = folder.appendingPathComponent(markdownFile)
        guard let markdown = try? String(contentsOf: markdownURL, encoding: .utf8) else {
            throw InputError("\(markdownURL.path): cannot read the report to convert to \(fileName)")
        }
        let url = folder.appendingPathComponent(fileName)
        try AtomicFile.write(try page(title: title, markdown: markdown, commands: commands, folder: folder), to: url)
        return url
    }

    /// The page: `markdown` (figure paths relative to `folder`), a "More figures" section with the `.svg` files of
    /// `folder` the Markdown does not show, and the commands.
    public static func page(title: String, markdown: String, commands: [String], folder: URL) throws -> String {
        var shown = Set<String>(), failure: Error?
        let converter = MarkdownHTML { path, alt in
            do {
                let svg = try inlineSVG(folder.appendingPathComponent(path))
                shown.insert(folder.appendingPathComponent(path).standardizedFileURL.path)
                return "<figure>\(svg)<figcaption>\(SVGText.escape(alt))</figcaption></figure>"
            } catch {
                failure = failure ?? error
                return ""
            }
        }
        var body = converter.convert(markdown)
        if let failure { throw failure }
        let others = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().filter {
            $0.hasSuffix(".svg") && !shown.contains(folder.appendingPathComponent($0).standardizedFileURL.path)
        }
        if !others.isEmpty {
            body += "<h2>More figures</h2>\n<div class=\"figures\">\n"
            for name in others {
                body +=
                    "<figure>\(try inlineSVG(folder.appendingPathComponent(name)))"
                    + "<figcaption>\(SVGText.escape(name))</figcaption></figure>\n"
            }
            body += "</div>\n"
        }
        if !commands.isEmpty {
            body +=
                "<h2>Commands</h2>\n<pre><code>" + commands.map(SVGText.escape).joined(separator: "\n")
                + "</code></pre>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(SVGText.escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>

            """ + body + "</body>\n</html>\n"
    }

    /// The SVG document in `url` without its XML declaration, ready to sit in HTML.
    static func inlineSVG(_ url: URL) throws -> String {
        guard let text = try? String(contentsOf: url, encoding: .utf8), let start = text.range(of: "<svg") else {
            throw InputError("\(url.path): figure missing or not an SVG file")
        }
        return String(text[start.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The page's only styling, inline.
    static let style = """
        body{font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:1.45;color:#222;max-width:1200px;\
        margin:24px auto;padding:0 16px}
        table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
        th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
        th{background:#f3f3f3}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        code{font-family:Menlo,Consolas,monospace;font-size:12px;background:#f6f6f6;padding:0 2px}
        pre{background:#f6f6f6;padding:8px;overflow-x:auto;white-space:pre-wrap}
        .figures{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
        figure{margin:8px 0}
        figure svg{max-width:100%;height:auto;border:1px solid #eee}
        figcaption{font-size:12px;color:#666}
        """
}
