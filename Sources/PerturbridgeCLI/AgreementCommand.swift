import ArgumentParser
import Foundation
import PerturbBase
import PerturbData
import PerturbEval

/// `perturbridge agreement`: how well matched conditions agree across datasets and between replicates.
struct Agreement: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract:
            "Agreement of matched same-compound conditions across datasets and between replicates, against baselines.",
        discussion: """
            Cross-dataset agreement as the Chem-PerturBridge reference defines it (seed spec §5.3–5.4). Conditions of \
            two datasets match on compound (PubChem CID when known), cell type and time, with mutual-nearest doses \
            within --max-dose-fold; contexts (cell type, time) need ≥ --min-context-compounds matched compounds. Pairs \
            are scored on one gene universe per cell type (the genes every dataset with that cell type measures; \
            --gene-scope pair: the pair's shared genes). DE genes: adjusted P < 0.05 from the file's adjusted-p layer \
            (adj_pvalue_within, adj.P.Value.within_one_contrast, adj_pvalue, adj.P.Value.across_all_contrasts), else \
            BH per condition from pvalue / P.Value, else |logFC| > --de-threshold, flagged as a fallback in the report.

            Per pair: DEG-restricted logFC Spearman (left, right, symmetric), direction agreement on genes DE in both, \
            DE overlap (reference size, top 50/100/200), all-gene Spearman; baselines source/target centroid and \
            source/target peers (≤ --max-peers, seeded). Retrieval (Table 9): each matched profile ranked against the \
            other dataset's profiles of its context (cosine, negative L2, Spearman). Replicate rows within a dataset \
            are scored the same way. Means over drug-line-time units with compound-clustered BCa intervals.

            Writes pairs.tsv, retrieval.tsv, summary.tsv, table4_deg_spearman, table5_direction_agreement, \
            table6_signature_spearman, table9_retrieval, de_overlap, replicate_agreement (.tsv and .md), \
            heatmap_<metric>[_delta].svg (the datasets with a matched or replicate pair), report.md and REPORT.html \
            (report.md with every table and heatmap inline) into --output.

            Examples:
              perturbridge effects --input A549_de.h5ad --format cpb-deg --output cpb_a549.h5ad
              perturbridge agreement --effects lincs.h5ad cpb_a549.h5ad --output runs/agreement
              perturbridge simulate --output sim --size small
              perturbridge agreement --effects sim/sim_l1000.h5ad sim/sim_bulk_rnaseq.h5ad \\
                --match dose,time --output runs/agree-sim
              perturbridge effects --input test_l1000.gct --dataset A375 \\
                --output a375.h5ad --replicates a375_reps.h5ad
              perturbridge agreement --effects a375.h5ad a375_reps.h5ad \\
                --match context,time --output runs/agree-a375
            (One well per dose on that plate: without the dose rule, replicate pairs \
            are the wells of one compound across its doses.)
            """
    )

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Effects tables (.h5ad from `perturbridge effects` or `simulate`); files of one dataset "
                + "(pooled and --replicates output) are joined."))
    var effects: [String]

    @Option(name: .long, help: "Output folder.")
    var output: String

    @Option(name: .long, help: "Fields matched besides the compound: comma-separated context, dose, time (or none).")
    var match = "context,dose,time"

    @Option(name: .customLong("max-dose-fold"), help: "Largest dose ratio for a cross-dataset dose match.")
    var maxDoseFold = 10.0

    @Option(
        name: .customLong("min-context-compounds"),
        help: "Fewest distinct matched compounds for a context (cell type, time) to be kept.")
    var minContextCompounds = 10

    @Option(
        name: .customLong("de-definition"), help: "DE genes: p05 (adjusted P < 0.05) or p05_lfc02 (and |logFC| > 0.2).")
    var deDefinition = "p05"

    @Option(
        name: .customLong("de-threshold"),
        help: "Fallback only, for files without p-values: a gene is DE when |logFC| exceeds this.")
    var deThreshold = 1.0

    @Option(
        name: .customLong("gene-scope"),
        help: "Gene universe: global (all datasets with the cell type) or pair (the pair's shared genes).")
    var geneScope = "global"

    @Option(name: .customLong("max-peers"), help: "Peers scored one by one per sample for the peer baselines.")
    var maxPeers = 512

    @Option(name: .customLong("peer-seed"), help: "Seed of the deterministic peer sampling.")
    var peerSeed: UInt64 = 20_260_505

    @Option(
        name: .long, help: "Retrieval similarities: comma-separated cosine, negative_l2, spearman (none: no retrieval)."
    )
    var similarities = CommaList(RetrievalSimilarity.allCases.map(\.rawValue))

    @Option(name: .long, help: "Bootstrap draws for the confidence intervals (0: no intervals).")
    var bootstrap = 2000

    @Flag(name: .long, help: "Percentile bootstrap intervals instead of BCa.")
    var percentile = false

    @Option(name: .long, help: "Seed of the bootstrap.")
    var seed: UInt64 = 20_260_505

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard !effects.isEmpty else { throw ValidationError("give at least one --effects file") }
        guard deThreshold >= 0, deThreshold.isFinite else {
            throw ValidationError("--de-threshold must be ≥ 0, got \(deThreshold)")
        }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be ≥ 0, got \(bootstrap)") }
        guard maxDoseFold >= 1, maxDoseFold.isFinite else {
            throw ValidationError("--max-dose-fold must be ≥ 1, got \(maxDoseFold)")
        }
        guard minContextCompounds >= 1 else {
            throw ValidationError("--min-context-compounds must be ≥ 1, got \(minContextCompounds)")
        }
        guard maxPeers >= 1 else { throw ValidationError("--max-peers must be ≥ 1, got \(maxPeers)") }
        guard DEDefinition(rawValue: deDefinition) != nil else {
            throw ValidationError("--de-definition: unknown '\(deDefinition)'; use p05 or p05_lfc02")
        }
        guard GeneScope(rawValue: geneScope) != nil else {
            throw ValidationError("--gene-scope: unknown '\(geneScope)'; use global or pair")
        }
        _ = try parsedSimilarities()
    }

    func parsedSimilarities() throws -> [RetrievalSimilarity] {
        if similarities.items.map({ $0.lowercased() }) == ["none"] { return [] }
        return try similarities.items.map { name in
            guard let s = RetrievalSimilarity(rawValue: name) else {
                throw ValidationError("--similarities: unknown '\(name)'; use cosine, negative_l2, spearman or none")
            }
            return s
        }
    }

    func run() throws {
        let rules = try MatchRules.parse(match, maxDoseFold: maxDoseFold, minContextCompounds: minContextCompounds)
        let de = DEOptions(definition: DEDefinition(rawValue: deDefinition)!, fallbackThreshold: deThreshold)
        var sets: [ProfileSet] = []
        for path in effects {
            guard FileManager.default.fileExists(atPath: path) else {
                throw InputError("\(path): file not found (--effects expects .h5ad effects tables)")
            }
            let table = try EffectsTable.read(URL(fileURLWithPath: path))
            let parts = try ProfileSet.fromEffects(table, de: de, source: path)
            sets += parts
            if !quiet {
                let rules = Set(parts.flatMap(\.deRules)).map(\.description).sorted().joined(separator: "; ")
                ProgressReporter.log(
                    "[agreement] \(path): \(table.conditions.count) conditions × \(table.genes.count) genes, "
                        + "datasets \(table.datasets.joined(separator: ", ")); DE: \(rules)")
            }
        }
        let options = AgreementOptions(
            geneScope: GeneScope(rawValue: geneScope)!, maxPeers: maxPeers, peerSeed: peerSeed,
            similarities: try parsedSimilarities())
        let analysis = try AgreementAnalysis.run(
            sets: try ProfileSet.mergingDatasets(sets), rules: rules, options: options,
            showProgress: !quiet)
        let bootstrapOptions = BootstrapOptions(draws: bootstrap, seed: seed, bca: !percentile)
        let summary = analysis.summarize(bootstrap: bootstrapOptions)
        let directory = URL(fileURLWithPath: output)
        let files = try AgreementReport.write(
            analysis: analysis, summary: summary, bootstrap: bootstrapOptions, inputs: effects,
            to: directory)
        let page = try HTMLReport.write(
            folder: directory, markdownFile: "report.md",
            title: "Agreement of matched conditions", commands: [Invocation.commandLine])
        print(Self.overview(summary))
        print("wrote \(files.count + 1) files to \(directory.path) (report: \(page.path))")
    }

    /// Tables 4, 5 and 6's headline columns per comparison for the terminal.
    static func overview(_ summary: [AgreementEstimate]) -> String {
        let shown: [AgreementMetric] = [.degSpearmanSym, .directionAgreement, .spearmanAll]
        var table = MarkdownTable(
            header: [
                "comparison", "pair", "units", "metric", "observed [CI]", "source centroid",
                "Δ vs source centroid [CI]", "target peer",
            ],
            rightAligned: [2, 4, 5, 6, 7])
        let index = Dictionary(
            summary.map {
                ([$0.comparison, $0.datasetA, $0.datasetB, $0.metric, $0.quantity].joined(separator: "|"), $0)
            },
            uniquingKeysWith: { a, _ in a })
        func f(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "n/a" }
        func ci(_ e: AgreementEstimate?) -> String {
            guard let e else { return "n/a" }
            return "\(f(e.interval.estimate)) [\(f(e.interval.low)), \(f(e.interval.high))]"
        }
        for e in summary where e.quantity == "observed" && shown.map(\.rawValue).contains(e.metric) {
            let key = { (q: String) in
                index[[e.comparison, e.datasetA, e.datasetB, e.metric, q].joined(separator: "|")]
            }
            table.rows.append([
                e.comparison, e.comparison == "replicate" ? e.datasetA : "\(e.datasetA)–\(e.datasetB)", String(e.rows),
                e.metric,
                ci(e), f(key("source_centroid")?.interval.estimate ?? .nan), ci(key("delta_vs_source_centroid")),
                f(key("target_peer")?.interval.estimate ?? .nan),
            ])
        }
        return table.rows.isEmpty ? "no matched or replicate pairs found" : table.render()
    }
}
