import ArgumentParser
import Foundation
import PerturbBase
import PerturbData
import PerturbEval

/// `perturbridge agreement`: how well matched conditions agree across datasets and between replicates.
struct Agreement: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Agreement of matched same-compound conditions across datasets and between replicates, against baselines.",
        discussion: """
        Matches conditions of every pair of datasets that share a compound (and, per \
        --match, context, dose and time) and scores each matched pair over the genes \
        both measure: Spearman/Pearson of logFC, DE-restricted Spearman, direction \
        agreement, top-k Jaccard/overlap, norm ratio and scaled RMSE. Replicate rows \
        within a dataset are scored the same way. Every metric is read against \
        same-context different-compound pairs and random pairs. \
        Writes pairs.tsv, summary.tsv (compound-clustered bootstrap CIs), \
        heatmap_<metric>[_margin].svg (the datasets with a matched or replicate pair), report.md \
        and REPORT.html (report.md with every heatmap inline) into --output.

        Examples:
          perturbridge simulate --output sim
          perturbridge agreement --effects sim/*.h5ad --output runs/agree-sim
          perturbridge effects --input test_l1000.gct --dataset A375 \\
            --output a375.h5ad --replicates a375_reps.h5ad
          perturbridge agreement --effects a375.h5ad a375_reps.h5ad \\
            --match context,time --output runs/agree-a375
        (One well per dose on that plate: without the dose rule, replicate pairs \
        are the wells of one compound across its doses.)
        """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Effects tables (.h5ad from `perturbridge effects` or `simulate`); files of one dataset (pooled and --replicates output) are joined.")
    var effects: [String]

    @Option(name: .long, help: "Output folder.")
    var output: String

    @Option(name: .long, help: "Fields matched besides the compound: comma-separated context, dose, time (or none).")
    var match = "context,dose,time"

    @Option(name: .customLong("max-dose-fold"), help: "Largest dose ratio for a cross-dataset dose match.")
    var maxDoseFold = 10.0

    @Option(name: .customLong("top-k"), help: "Genes per profile for the top-k metrics.")
    var topK = 50

    @Option(name: .customLong("de-threshold"), help: "A gene is DE when |logFC| exceeds this.")
    var deThreshold = 1.0

    @Option(name: .long, help: "Bootstrap draws for the confidence intervals (0: no intervals).")
    var bootstrap = 1000

    @Flag(name: .long, help: "Percentile bootstrap intervals instead of BCa.")
    var percentile = false

    @Option(name: .long, help: "Seed for baseline pairs and the bootstrap.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard !effects.isEmpty else { throw ValidationError("give at least one --effects file") }
        guard topK > 0 else { throw ValidationError("--top-k must be positive, got \(topK)") }
        guard deThreshold >= 0, deThreshold.isFinite else { throw ValidationError("--de-threshold must be ≥ 0, got \(deThreshold)") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be ≥ 0, got \(bootstrap)") }
        guard maxDoseFold >= 1 else { throw ValidationError("--max-dose-fold must be ≥ 1, got \(maxDoseFold)") }
    }

    func run() throws {
        let rules = try MatchRules.parse(match, maxDoseFold: maxDoseFold)
        var sets: [ProfileSet] = []
        for path in effects {
            guard FileManager.default.fileExists(atPath: path) else {
                throw InputError("\(path): file not found (--effects expects .h5ad effects tables)")
            }
            let table = try EffectsTable.read(URL(fileURLWithPath: path))
            sets += try ProfileSet.fromEffects(table)
            if !quiet { ProgressReporter.log("[agreement] \(path): \(table.conditions.count) conditions × \(table.genes.count) genes, datasets \(table.datasets.joined(separator: ", "))") }
        }
        let analysis = try AgreementAnalysis.run(
            sets: try ProfileSet.mergingDatasets(sets), rules: rules, options: AgreementOptions(topK: topK, deThreshold: deThreshold), seed: seed, showProgress: !quiet)
        let options = BootstrapOptions(draws: bootstrap, seed: seed, bca: !percentile)
        let summary = analysis.summarize(bootstrap: options)
        let directory = URL(fileURLWithPath: output)
        let files = try AgreementReport.write(analysis: analysis, summary: summary, bootstrap: options, inputs: effects, to: directory)
        let page = try HTMLReport.write(folder: directory, markdownFile: "report.md",
                                        title: "Agreement of matched conditions", commands: [Invocation.commandLine])
        print(Self.overview(summary))
        print("wrote \(files.count + 1) files to \(directory.path) (report: \(page.path))")
    }

    /// A few headline metrics per comparison for the terminal.
    static func overview(_ summary: [AgreementSummaryRow]) -> String {
        let shown: [AgreementMetric] = [.spearman, .spearmanDE, .directionDEEither, .topKJaccard, .normRatio]
        var table = MarkdownTable(header: ["comparison", "pair", "units", "metric", "mean [CI]", "ctx baseline", "random", "margin [CI]",
                                           "centroid", "vs centroid [CI]"],
                                  rightAligned: [2, 4, 5, 6, 7, 8, 9])
        for r in summary where shown.contains(r.metric) {
            func f(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "n/a" }
            table.rows.append([
                r.kind.rawValue, r.kind == .replicate ? r.datasetA : "\(r.datasetA)–\(r.datasetB)", String(r.units), r.metric.rawValue,
                "\(f(r.observed.estimate)) [\(f(r.observed.low)), \(f(r.observed.high))]", f(r.baselineContext), f(r.baselineRandom),
                "\(f(r.margin.estimate)) [\(f(r.margin.low)), \(f(r.margin.high))]", f(r.baselineCentroid),
                "\(f(r.marginCentroid.estimate)) [\(f(r.marginCentroid.low)), \(f(r.marginCentroid.high))]",
            ])
        }
        return summary.isEmpty ? "no matched or replicate pairs found" : table.render()
    }
}
