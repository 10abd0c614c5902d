import Foundation
import PerturbIO
import PerturbTestSupport
import XCTest

/// Small input files for the command-line tests, written in temporary folders.
enum CLIFixtures {
    /// Real drugs (name, SMILES) used in the hand-made inputs.
    static let drugs: [(name: String, smiles: String)] = [
        ("aspirin", "CC(=O)Oc1ccccc1C(=O)O"),
        ("caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
        ("ibuprofen", "CC(C)Cc1ccc(cc1)C(C)C(=O)O"),
        ("paracetamol", "CC(=O)Nc1ccc(O)cc1"),
    ]
    static let genes = ["TP53", "MYC", "EGFR", "GAPDH", "ACTB"]

    /// Folder with the output of `perturbridge simulate --size small --seed 1`, made once per test process.
    static func simulated() throws -> URL {
        try simulatedLock.withLock {
            if let cached = simulatedFolder { return cached }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "perturbridge-cli-sim-\(ProcessInfo.processInfo.processIdentifier)")
            try? FileManager.default.removeItem(at: folder)
            let result = try CLI.run(
                ["simulate", "--size", "small", "--seed", "1", "--output", folder.path], timeout: 120)
            guard result.status == 0 else {
                throw ToolFailure("simulate failed:\n\(result.transcript)")
            }
            simulatedFolder = folder
            XCTestObservationCenter.shared.addTestObserver(RemoveAtEnd(folder))
            return folder
        }
    }

    /// Removes a folder shared by the tests when the test bundle finishes.
    private final class RemoveAtEnd: NSObject, XCTestObservation {
        let folder: URL
        init(_ folder: URL) { self.folder = folder }
        func testBundleDidFinish(_ testBundle: Bundle) { try? FileManager.default.removeItem(at: folder) }
    }
    private static var simulatedFolder: URL?
    private static let simulatedLock = NSLock()

    /// The simulated datasets' effects files.
    static let simulatedDatasets = ["sim_l1000", "sim_bulk_rnaseq", "sim_op3"]

    /// A Chem-PerturBridge DEG-layout `.h5ad` (obs dataset, cell_type, perturbagen, pubchem_cid, canonical_smiles,
    /// pert_dose_uM as text, pert_time_h; X and layer `logFC` both hold `logFC`, layer `t` = 2·logFC) with one row per
    /// drug of `drugs` (cycled) and the given doses.
    static func writeDEG(_ url: URL, doses: [String], logFC: [[Float]]? = nil) throws {
        let n = doses.count
        let rows: [[Float]] =
            logFC
            ?? (0..<n).map { (r: Int) -> [Float] in
                genes.indices.map { (g: Int) -> Float in Float(r + 1) * Float(0.1) * Float(g - 2) }
            }
        let values = rows.flatMap { $0 }
        let matrix = DenseMatrix(rows: n, cols: genes.count, values: values)
        var obs = DataFrame(index: (0..<n).map { "contrast_\($0)" })
        obs.set("dataset", .strings(Array(repeating: "deg_test", count: n)))
        obs.set("cell_type", .strings(Array(repeating: "HepG2", count: n)))
        obs.set("perturbagen", .strings((0..<n).map { drugs[$0 % drugs.count].name }))
        obs.set("pubchem_cid", .strings((0..<n).map { String(1000 + $0 % drugs.count) }))
        obs.set("canonical_smiles", .strings((0..<n).map { drugs[$0 % drugs.count].smiles }))
        obs.set("pert_dose_uM", .strings(doses))
        obs.set("pert_time_h", .float64(Array(repeating: 24, count: n)))
        let adata = AnnData(
            X: .dense(matrix), obs: obs, var: DataFrame(index: genes),
            layers: [
                "logFC": .dense(matrix),
                "t": .dense(DenseMatrix(rows: n, cols: genes.count, values: values.map { $0 * 2 })),
            ])
        try H5ADWriter.write(adata, to: url)
    }

    /// A sample-level `.h5ad` (Chem-PerturBridge pseudobulk schema: obs dataset, cell_type, perturbagen,
    /// canonical_smiles, is_control, pert_dose_uM as text, pert_time_h, plate, well; X = counts): two DMSO controls
    /// and two wells of each drug in `treated` (name index into `drugs`, dose text).
    static func writeSamples(_ url: URL, treated: [(drug: Int, dose: String)]) throws {
        var names = ["DMSO", "DMSO"], smiles = ["", ""], doses = ["", ""], controls = [true, true]
        for t in treated {
            names += [drugs[t.drug].name, drugs[t.drug].name]
            smiles += [drugs[t.drug].smiles, drugs[t.drug].smiles]
            doses += [t.dose, t.dose]
            controls += [false, false]
        }
        let n = names.count
        var counts: [Float] = []
        for r in 0..<n {
            for g in genes.indices {
                counts.append(Float(200 + 37 * ((r * 7 + g * 13) % 11) + (controls[r] ? 0 : 150 * g)))
            }
        }
        var obs = DataFrame(index: (0..<n).map { "sample_\($0)" })
        obs.set("dataset", .strings(Array(repeating: "samples_test", count: n)))
        obs.set("cell_type", .strings(Array(repeating: "HepG2", count: n)))
        obs.set("perturbagen", .strings(names))
        obs.set("canonical_smiles", .strings(smiles))
        obs.set("is_control", .bools(controls))
        obs.set("pert_dose_uM", .strings(doses))
        obs.set("pert_time_h", .float64(Array(repeating: 24, count: n)))
        obs.set("plate", .strings(Array(repeating: "P1", count: n)))
        obs.set("well", .strings((0..<n).map { "W\($0)" }))
        try H5ADWriter.write(
            AnnData(
                X: .dense(DenseMatrix(rows: n, cols: genes.count, values: counts)), obs: obs,
                var: DataFrame(index: genes)), to: url)
    }

    /// An OP3 `de_train.h5ad`-layout file (obs cell_type, sm_name, SMILES; layers logFC and P.Value, no X): every
    /// drug of `drugs` plus four more in the four OP3 cell types; the last row's logFC is all NaN.
    static func writeOP3(_ url: URL) throws {
        let compounds =
            drugs + [
                ("metformin", "CN(C)C(=N)NC(=N)N"), ("nicotine", "CN1CCCC1c1cccnc1"),
                ("benzoic acid", "OC(=O)c1ccccc1"), ("phenol", "Oc1ccccc1"),
            ]
        let cellTypes = ["B cells", "Myeloid cells", "T cells", "NK cells"]
        var cells: [String] = [], names: [String] = [], smiles: [String] = []
        for c in cellTypes { for d in compounds { cells.append(c); names.append(d.name); smiles.append(d.smiles) } }
        let n = names.count, g = genes.count
        var logFC: [Float] = [], p: [Float] = []
        for r in 0..<n {
            for j in 0..<g {
                let effect =
                    Float((r % compounds.count) - 3) * 0.3 * Float(j % 2 == 0 ? 1 : -1) + Float(r / compounds.count)
                    * 0.05
                logFC.append(r == n - 1 ? .nan : effect)
                p.append(Float(0.001 + 0.1 * Double((r + j) % 7)))
            }
        }
        var obs = DataFrame(index: (0..<n).map { "\(cells[$0]), \(names[$0])" })
        obs.set("cell_type", .strings(cells))
        obs.set("sm_name", .strings(names))
        obs.set("SMILES", .strings(smiles))
        try H5ADWriter.write(
            AnnData(
                obs: obs, var: DataFrame(index: genes),
                layers: [
                    "logFC": .dense(DenseMatrix(rows: n, cols: g, values: logFC)),
                    "P.Value": .dense(DenseMatrix(rows: n, cols: g, values: p)),
                ]), to: url)
    }

    /// Writes `text` to `name` in `folder`.
    @discardableResult
    static func write(_ text: String, to name: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Copies the first half of `source` to `name` in `folder` (an interrupted copy or download).
    static func truncatedCopy(of source: URL, to name: String, in folder: URL) throws -> URL {
        let data = try Data(contentsOf: source)
        let url = folder.appendingPathComponent(name)
        try data.prefix(data.count / 2).write(to: url)
        return url
    }
}
