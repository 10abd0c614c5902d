import Foundation
import PerturbBase
import PerturbEval

/// Writes the demo's `REPORT.md`: settings, the exact commands, stage timings, the training curves and embedding
/// maps, and each evaluation's Markdown summary with its SVG figures (paths relative to the report, so the folder
/// can be moved); then `REPORT.html`, the same report as one self-contained page with every figure inline.
struct DemoReport {
    let output: URL
    let stages: [DemoPlan.Stage]
    /// Seconds per stage, in stage order; nil for a stage finished by an earlier run.
    let timings: [Double?]
    let totalSeconds: Double
    let plan: DemoPlan

    private static let titles = [
        "holdout": "Molecule holdout across datasets (pooled logFC RMSE etc., mean ± sd over seeds)",
        "op3": "OP3-style compound-held-out protocol (row-wise metrics on held-out compounds)",
        "agreement": "Cross-dataset agreement of matched conditions",
    ]

    /// The embedding maps the embed stages draw: the all-datasets LPM by pathway, the L1000-only LPM by datasets seen.
    static let maps = ["embeddings/lpm_all_pathway.svg", "embeddings/lpm_l1000_datasets.svg"]

    /// The training curves of the two pretraining runs.
    static let curves = ["pretrain/all/\(TrainingCurves.fileName)", "pretrain/l1000/\(TrainingCurves.fileName)"]

    /// Writes `REPORT.md` and `REPORT.html`; returns both.
    func write() throws -> (markdown: URL, page: URL) {
        var md = "# perturbridge demo report\n\n"
        md += "Everything below was produced by `perturbridge demo` on simulated data (no download). "
        md += "Settings: " + plan.describedSettings.joined(separator: "; ") + ".\n\n"
        md += "## Stages\n\n| stage | seconds | command |\n| --- | ---: | --- |\n"
        for (stage, timing) in zip(stages, timings) {
            let seconds = timing.map { String(format: "%.1f", $0) } ?? "(earlier run)"
            md += "| \(stage.name) | \(seconds) | `perturbridge \(relativeArguments(stage.arguments))` |\n"
        }
        md += "\nTotal: \(String(format: "%.0f", totalSeconds)) s.\n"
        md += figures(
            "Training curves (RMSE of logFC per epoch: training, validation overall and per dataset)",
            Self.curves)
        md += figures("Compound embeddings (2-D PCA maps)", Self.maps)
        for stage in stages {
            guard let folder = stage.reportFolder else { continue }
            md += "\n## " + (Self.titles[folder] ?? folder) + "\n\n"
            md += try section(folder: folder)
        }
        let url = output.appendingPathComponent("REPORT.md")
        try AtomicFile.write(md, to: url)
        let page = try HTMLReport.write(
            folder: output, markdownFile: "REPORT.md", title: "perturbridge demo report",
            commands: [Invocation.commandLine])
        return (url, page)
    }

    /// A section showing the `paths` (relative to the output) that exist.
    private func figures(_ title: String, _ paths: [String]) -> String {
        let present = paths.filter { FileManager.default.fileExists(atPath: output.appendingPathComponent($0).path) }
        guard !present.isEmpty else { return "" }
        return "\n## \(title)\n\n" + present.map { "![\($0)](\($0))" }.joined(separator: "\n") + "\n"
    }

    /// The folder's summary Markdown (headings demoted, links made relative to the report) and, when that
    /// Markdown does not already show them, the folder's SVG figures.
    private func section(folder: String) throws -> String {
        let dir = output.appendingPathComponent(folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let summaryName = files.first { $0.hasSuffix("_summary.md") } ?? files.first { $0 == "report.md" }
        let body =
            summaryName.flatMap { try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) } ?? ""
        var text = ""
        if let summaryName {
            text +=
                "Full tables: [`\(folder)/\(summaryName)`](\(folder)/\(summaryName)); "
                + "the folder's own page: [`\(folder)/\(HTMLReport.fileName)`](\(folder)/\(HTMLReport.fileName)).\n\n"
            text +=
                body.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("#") ? "##" + $0 : String($0) }
                .joined(separator: "\n")
                .replacingOccurrences(of: "](", with: "](\(folder)/")
                .replacingOccurrences(of: "](\(folder)/http", with: "](http") + "\n"
        }
        let figures = files.filter { $0.hasSuffix(".svg") }
        if !figures.isEmpty && !body.contains(".svg") {
            text += "\n" + figures.map { "![\($0)](\(folder)/\($0))" }.joined(separator: "\n") + "\n"
        }
        return text
    }

    /// Arguments with the output folder shown as `OUT` so the table stays readable.
    private func relativeArguments(_ arguments: [String]) -> String {
        arguments.joined(separator: " ").replacingOccurrences(of: output.path, with: "OUT")
    }
}
