import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

/// `predict`: an effects file's conditions and a condition table through a tiny run, read back by PerturbIO and
/// anndata; bad rows are user errors naming the line.
final class PredictTests: XCTestCase {
    func testPredictWritesAnAnnDataWithGeneNames() throws {
        let dir = try temporaryDirectory()
        let config = try CLIFixtures.write(
            """
            {"output_mode": "multiout", "embedding_dim": 8, "hidden_width": 16, "hidden_layers": 1, "batch_size": 32,
             "max_epochs": 1, "seed": 5, "threads": 1}
            """, to: "tiny.json", in: dir
        ).path
        let sim = try CLIFixtures.simulated()
        let files = CLIFixtures.simulatedDatasets.map { sim.appendingPathComponent("\($0).h5ad").path }
        let run = dir.appendingPathComponent("run")
        try runOK(
            ["pretrain", "--config", config, "--effects"] + files + ["--output", run.path, "--quiet"], timeout: 120)

        let effects = try H5ADReader(url: URL(fileURLWithPath: files[0]))
        let out = dir.appendingPathComponent("pred.h5ad")
        let result = try runOK(["predict", "--checkpoint", run.path, "--conditions", files[0], "--output", out.path])
        let pred = try H5ADReader(url: out)
        XCTAssertEqual(pred.shape.rows, effects.shape.rows, result.transcript)
        XCTAssertEqual(pred.obs.index, effects.obs.index, "obs index = the condition ids")
        XCTAssertTrue(Set(effects.var.index).isSubset(of: Set(pred.var.index)), "var = the model's genes")
        XCTAssertTrue(try pred.readDense(layer: nil).values.allSatisfy(\.isFinite))

        // A table naming one of those conditions by its compound key gives the same row (up to float summation order:
        // a batch of one row against a batch of all).
        let dataset = try XCTUnwrap(effects.obs.column("dataset")?.stringValues().first)
        let context = try XCTUnwrap(effects.obs.column("context")?.stringValues().first)
        let compound = try XCTUnwrap(effects.obs.column("compounds")?.stringValues().first)
        let dose = try XCTUnwrap(effects.obs.column("dose_um")?.stringValues().first)
        let time = try XCTUnwrap(effects.obs.column("time_h")?.stringValues().first)
        let table = try CLIFixtures.write(
            "dataset,context,compound,dose_um,time_h\n\(dataset),\(context),\(compound),\(dose),\(time)\n",
            to: "one.csv", in: dir)
        let one = dir.appendingPathComponent("one.h5ad")
        try runOK(["predict", "--checkpoint", run.path, "--conditions", table.path, "--output", one.path])
        let g = pred.shape.cols
        XCTAssertEqual(try H5ADReader(url: one).shape.cols, g)
        for (x, y) in zip(
            try H5ADReader(url: one).readDense(layer: nil).values, try pred.readDense(layer: nil).values[0..<g])
        {
            XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(y)))
        }

        for (row, mention) in [
            ("nope,\(context),\(compound),1,24", "dataset 'nope'"),
            ("\(dataset),nope,\(compound),1,24", "context 'nope'"),
            ("\(dataset),\(context),XYZ(,1,24", "'XYZ('"),
            ("\(dataset),\(context),\(compound),lots,24", "dose_um 'lots'"),
        ] {
            let bad = try CLIFixtures.write(
                "dataset,context,compound,dose_um,time_h\n\(dataset),\(context),\(compound),1,24\n\(row)\n",
                to: "bad.csv", in: dir)
            let badOut = dir.appendingPathComponent("bad.h5ad")
            try runUserError(
                ["predict", "--checkpoint", run.path, "--conditions", bad.path, "--output", badOut.path],
                mentions: [bad.path, "line 3", mention])
            XCTAssertFalse(FileManager.default.fileExists(atPath: badOut.path))
        }

        let text = try ReferenceTool.run([
            "python3", "-c",
            """
            import sys, anndata
            a = anndata.read_h5ad(sys.argv[1])
            print(a.shape[0], a.shape[1], "|".join(a.var_names[:3]), "|".join(a.obs.columns))
            """, out.path,
        ])
        XCTAssertEqual(
            text.split(separator: " ").map(String.init),
            [
                "\(pred.shape.rows)", "\(g)", pred.var.index.prefix(3).joined(separator: "|"),
                "dataset|context|compound|compound_key|dose_um|time_h\n",
            ])
    }
}
