import Foundation
import PerturbBase

/// The molecule-holdout summary in the layout of the paper's `paper10_results_summary.{md,tsv}`
/// (`shared/reference/chem-perturbridge-lpm/`): one row per dataset (by the paper's dataset slug), per family
/// `<label>_{val,test}_rmse_{mean,std}`, `<label>_{val,test}_n` and `<label>_{val,test}_rmse_mean_std` = `mean +/- sd (n=K)`, so a run
/// can be read beside the published table column for column; `comparison` lines the two up.
public struct HoldoutPaperTable {
    /// The paper's column label of each family, in the paper's column order.
    public static let labels: [(family: HoldoutFamily, label: String)] = [
        (.allDatasets, "all"), (.finetuneFrozenMoleculeEmbeddings, "finetune_frozen_mol"),
        (.scratchTargetOnly, "scratch_target_only"),
        (.morganFixed, "all_morgan_fixed"), (.finetuneMorganFixed, "finetune_morgan_fixed"),
        (.scratchTargetOnlyMorganFixed, "scratch_morgan_fixed"),
        (.morganLearned, "all_morgan_learned"), (.finetuneMorganLearned, "finetune_morgan_learned_fixmol"),
    ]

    /// The paper's slugs of its datasets; any other dataset gets its lower-cased name with non-alphanumerics as `_`.
    static let slugs: [String: String] = [
        "CIGS MCE": "cigs_mce", "CIGS TCM": "cigs_tcm", "dilimap_train": "dilimap_train", "Ginkgo GDPx2": "gdpx2",
        "LINCS_phase1_level3_epsilon": "lincs_phase1", "LINCS_phase2_level3": "lincs_phase2",
        "Novartis MoABox DRUG-seq": "novartis",
        "op3": "op3", "srivatsan20_sciplex3": "sciplex", "tahoe100": "tahoe100",
        "Ginkgo VCPI vcpi-0001 (tvc-bhr-009)": "vcpi_0001", "Ginkgo VCPI vcpi-0002 (tvc-kdl-010)": "vcpi_0002",
    ]

    public static func slug(_ dataset: String) -> String {
        slugs[dataset] ?? String(dataset.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    public let summary: HoldoutSummary

    public init(_ summary: HoldoutSummary) { self.summary = summary }

    private var datasets: [String] { summary.datasets.sorted { Self.slug($0) < Self.slug($1) } }

    private func aggregate(_ family: HoldoutFamily, _ dataset: String, _ split: String) -> SeedAggregate? {
        summary.cell(family: family.rawValue, dataset: dataset, split: split, metric: "rmse")?.aggregate
    }

    /// `0.5761 +/- 0.0007 (n=10)` (`0.5761 (n=1)` for one seed), or NA.
    static func cell(_ a: SeedAggregate?) -> String {
        guard let a, a.count > 0 else { return "NA" }
        let spread = a.sd.isFinite ? " +/- " + String(format: "%.4f", a.sd) : ""
        return String(format: "%.4f", a.mean) + spread + " (n=\(a.count))"
    }

    /// The TSV layout of `paper10_results_summary.tsv` (every family column, NA where a family did not run).
    public func table() -> DelimitedTable {
        var header = ["dataset_slug", "dataset"]
        for (_, label) in Self.labels {
            for split in ["val", "test"] {
                header += ["\(label)_\(split)_rmse_mean", "\(label)_\(split)_rmse_std", "\(label)_\(split)_n"]
            }
            header += ["\(label)_val_rmse_mean_std", "\(label)_test_rmse_mean_std"]
        }
        let rows = datasets.map { d -> [String] in
            var row = [Self.slug(d), d]
            for (family, _) in Self.labels {
                for split in ["val", "test"] {
                    let a = aggregate(family, d, split)
                    row +=
                        a.map {
                            [
                                String(format: "%.8f", $0.mean), $0.sd.isFinite ? String(format: "%.8f", $0.sd) : "NA",
                                "\($0.count)",
                            ]
                        } ?? ["NA", "NA", "NA"]
                }
                row += [Self.cell(aggregate(family, d, "val")), Self.cell(aggregate(family, d, "test"))]
            }
            return row
        }
        return DelimitedTable(header: header, rows: rows)
    }

    /// The Markdown layout of `paper10_results_summary.md`.
    public func markdown() -> String {
        let header =
            ["dataset"] + Self.labels.flatMap { ["\($0.label)_val_rmse_mean_std", "\($0.label)_test_rmse_mean_std"] }
        let rows = datasets.map { d in
            [d]
                + Self.labels.flatMap {
                    [Self.cell(aggregate($0.family, d, "val")), Self.cell(aggregate($0.family, d, "test"))]
                }
        }
        var md =
            "| " + header.joined(separator: " | ") + " |\n|" + String(repeating: " --- |", count: header.count) + "\n"
        for row in rows { md += "| " + row.joined(separator: " | ") + " |\n" }
        return md
    }

    /// Test RMSE of ours beside the published table (`paper10_results_summary.tsv`), per dataset and family that
    /// both have: ours, the paper's, and ours − paper.
    public func comparison(with published: URL) throws -> String {
        let paper = try DelimitedTable.read(published, delimiter: "\t")
        let slugColumn = try paper.columnIndex("dataset_slug", file: published.path)
        var md =
            "| dataset | family | ours test RMSE | paper test RMSE | ours − paper |\n| --- | --- | ---: | ---: | ---: |\n"
        var lines = 0
        for d in datasets {
            guard let row = paper.rows.first(where: { $0[slugColumn] == Self.slug(d) }) else { continue }
            for (family, label) in Self.labels {
                guard let ours = aggregate(family, d, "test"), ours.count > 0,
                    let index = paper.header.firstIndex(of: "\(label)_test_rmse_mean"), let theirs = Double(row[index])
                else { continue }
                md +=
                    "| \(d) | \(family.rawValue) | \(Self.cell(ours)) | \(String(format: "%.4f", theirs)) | \(String(format: "%+.4f", ours.mean - theirs)) |\n"
                lines += 1
            }
        }
        return lines == 0 ? "No dataset and family in common with \(published.lastPathComponent).\n" : md
    }
}
