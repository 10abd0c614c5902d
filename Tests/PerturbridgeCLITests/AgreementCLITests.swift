import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

/// `perturbridge agreement` end to end: the paper-layout tables on simulated files, and the p-value DE rule on files
/// in the published DEG layout.
final class AgreementCLITests: XCTestCase {
    /// The columns every pair-metric table (Tables 4, 5, 6) starts with.
    static let pairColumns = [
        "dataset_pair", "dataset_a", "dataset_b", "n_units", "n_finite_units", "n_compounds", "observed",
        "observed_ci_low", "observed_ci_high", "source_centroid", "source_centroid_ci_low", "source_centroid_ci_high",
        "delta_vs_source_centroid",
    ]

    func testPaperTablesOnSimulatedData() throws {
        let sim = try CLIFixtures.simulated()
        let out = try temporaryDirectory().appendingPathComponent("agree")
        let files = CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
        // The small simulation's datasets share compounds but no cell context: match on dose and time only.
        let result = try runOK(
            ["agreement", "--effects"] + files + [
                "--match", "dose,time", "--output", out.path, "--bootstrap", "50",
                "--quiet",
            ], timeout: 180)
        XCTAssertTrue(result.stdout.contains("direction_agreement"), result.transcript)
        for table in ["table4_deg_spearman", "table5_direction_agreement", "table6_signature_spearman"] {
            let tsv = try DelimitedTable.read(out.appendingPathComponent(table + ".tsv"))
            XCTAssertEqual(Array(tsv.header.prefix(Self.pairColumns.count)), Self.pairColumns, table)
            XCTAssertTrue(
                tsv.header.contains("delta_vs_target_peer_ci_high") && tsv.header.contains("target_centroid"), table)
            XCTAssertEqual(tsv.rows.count, 3, "three dataset pairs in \(table)")
            for (units, observed) in zip(try tsv.column("n_finite_units"), try tsv.column("observed"))
            where Int(units)! > 0 {
                let value = try XCTUnwrap(Double(observed), "\(table): observed '\(observed)'")
                XCTAssertTrue(value.isFinite && value >= -1 && value <= 1, "\(table): observed \(value)")
            }
            let md = try String(contentsOf: out.appendingPathComponent(table + ".md"), encoding: .utf8)
            XCTAssertTrue(
                md.contains(
                    "| dataset pair | n units | n finite | n compounds | observed [95% CI] | source centroid |"), md)
        }
        let table9 = try DelimitedTable.read(out.appendingPathComponent("table9_retrieval.tsv"))
        XCTAssertEqual(Set(try table9.column("similarity")), ["cosine", "negative_l2", "spearman"])
        for rank in try table9.column("observed_normalized_rank") {
            let value = try XCTUnwrap(Double(rank))
            XCTAssertTrue(
                value > 0.5 && value <= 1,
                "simulated datasets share biology: matched profiles rank above chance (\(value))")
        }
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("FALLBACK"), "simulated files carry no p-values; the fallback must be flagged")
        XCTAssertTrue(report.contains("50 draws, seed 20260505"), report)
    }

    func testPValueDEOnPublishedDEGLayout() throws {
        let dir = try temporaryDirectory()
        let genes = (0..<30).map { "G\($0)" }
        // Dataset A carries both adjusted layers (within-contrast preferred); dataset B only raw P.Value (BH computed).
        let rawA = dir.appendingPathComponent("A549_de.h5ad")
        let rawB = dir.appendingPathComponent("A549_b_de.h5ad")
        try Self.writeDEG(
            rawA, dataset: "l1000_phase1", genes: genes, scale: 1,
            layers: [
                "adj.P.Value.within_one_contrast": { _, g in g % 3 == 0 ? 0.01 : 0.5 },
                "adj.P.Value.across_all_contrasts": { _, _ in 0.9 },
                "P.Value": { _, _ in 0.9 },
            ])
        try Self.writeDEG(
            rawB, dataset: "tahoe", genes: genes, scale: 0.8, layers: ["P.Value": { _, g in g % 2 == 0 ? 0.001 : 0.9 }])
        let a = dir.appendingPathComponent("a.h5ad")
        let b = dir.appendingPathComponent("b.h5ad")
        try runOK(["effects", "--input", rawA.path, "--format", "cpb-deg", "--output", a.path], timeout: 120)
        try runOK(["effects", "--input", rawB.path, "--format", "cpb-deg", "--output", b.path], timeout: 120)
        let out = dir.appendingPathComponent("agree")
        try runOK(
            [
                "agreement", "--effects", b.path, a.path, "--min-context-compounds", "3", "--bootstrap", "50",
                "--output", out.path,
                "--quiet",
            ], timeout: 120)
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("adjusted P < 0.05 (layer adj_pvalue_within)"), report)
        XCTAssertTrue(report.contains("BH-adjusted P < 0.05 (BH per condition from layer pvalue)"), report)
        XCTAssertFalse(report.contains("FALLBACK"), report)
        let pairs = try DelimitedTable.read(out.appendingPathComponent("pairs.tsv"))
        XCTAssertEqual(pairs.rows.count, 8)  // 4 drugs × 2 doses, mutual-nearest doses
        XCTAssertEqual(Set(try pairs.column("dataset_a")), ["l1000_phase1"])  // canonical order, not input order
        XCTAssertEqual(Set(try pairs.column("n_deg_a")), ["10"])  // genes 0, 3, …, 27 of the within layer
        XCTAssertEqual(Set(try pairs.column("n_deg_b")), ["15"])  // BH(0.001 × 15, 0.9 × 15) = 0.002 on even genes
        XCTAssertEqual(Set(try pairs.column("n_deg_both")), ["5"])  // genes 0, 6, …, 24
        let table5 = try DelimitedTable.read(out.appendingPathComponent("table5_direction_agreement.tsv"))
        XCTAssertEqual(try table5.column("dataset_pair"), ["L1000 Ph1–Tahoe"])
        XCTAssertEqual(
            Double(try table5.column("observed")[0]), 1, "B is A scaled by 0.8: every DE gene agrees in sign")
    }

    /// A Chem-PerturBridge DEG-layout file: the four fixture drugs at 1 and 10 µM in HepG2 at 24 h (obs dataset,
    /// cell_type, perturbagen, pubchem_cid, canonical_smiles, pert_dose_uM, pert_time_h); layer logFC = `scale` ×
    /// a fixed pattern, plus `layers` (value of row, gene).
    static func writeDEG(
        _ url: URL, dataset: String, genes: [String], scale: Float, layers: [String: (Int, Int) -> Float]
    ) throws {
        let drugs = CLIFixtures.drugs
        let n = drugs.count * 2
        let g = genes.count
        let logFC = (0..<n * g).map { i -> Float in scale * Float(((i / g) * 7 + (i % g) * 5) % 13 - 6) / 2 }
        var adataLayers: [String: MatrixStorage] = ["logFC": .dense(DenseMatrix(rows: n, cols: g, values: logFC))]
        for (name, value) in layers {
            adataLayers[name] = .dense(DenseMatrix(rows: n, cols: g, values: (0..<n * g).map { value($0 / g, $0 % g) }))
        }
        var obs = DataFrame(index: (0..<n).map { "contrast_\($0)" })
        obs.set("dataset", .strings(Array(repeating: dataset, count: n)))
        obs.set("cell_type", .strings(Array(repeating: "HepG2", count: n)))
        obs.set("perturbagen", .strings((0..<n).map { drugs[$0 % drugs.count].name }))
        obs.set("pubchem_cid", .strings((0..<n).map { String(1000 + $0 % drugs.count) }))
        obs.set("canonical_smiles", .strings((0..<n).map { drugs[$0 % drugs.count].smiles }))
        obs.set("pert_dose_uM", .strings((0..<n).map { $0 < drugs.count ? "1" : "10" }))
        obs.set("pert_time_h", .float64(Array(repeating: 24, count: n)))
        try H5ADWriter.write(AnnData(obs: obs, var: DataFrame(index: genes), layers: adataLayers), to: url)
    }
}
