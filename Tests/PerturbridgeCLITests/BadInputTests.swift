import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

/// Bad inputs give exit status 1 and a message that names the file (and field, row, value) and says what to fix.
final class BadInputTests: XCTestCase {
    func testMissingFileIsNamed() throws {
        let dir = try temporaryDirectory()
        let missing = dir.appendingPathComponent("missing.h5ad").path
        let out = dir.appendingPathComponent("out").path
        let cases: [[String]] = [
            ["inspect", missing],
            ["inspect", dir.appendingPathComponent("missing.gct").path],
            ["effects", "--input", missing, "--output", out + ".h5ad"],
            ["split", "--effects", missing, "--kind", "random", "--output", out + ".tsv"],
            ["agreement", "--effects", missing, "--output", out],
            ["evaluate", "op3", "--effects", missing, "--output", out],
        ]
        for arguments in cases {
            let path = arguments.first { $0.contains("missing") }!
            try runUserError(arguments, mentions: [path])
        }
        let csv = dir.appendingPathComponent("missing.csv").path
        try runUserError(
            ["fingerprint", "--input", csv, "--smiles-column", "smiles", "--output", out + ".csv"], mentions: [csv])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".csv"))
    }

    func testTextFileNamedH5ADIsNotHDF5() throws {
        let dir = try temporaryDirectory()
        let fake = try CLIFixtures.write("cell_type,sm_name\nB cells,aspirin\n", to: "x.h5ad", in: dir).path
        let out = dir.appendingPathComponent("out").path
        let cases: [[String]] = [
            ["inspect", fake],
            ["effects", "--input", fake, "--output", out + ".h5ad"],
            ["split", "--effects", fake, "--kind", "random", "--output", out + ".tsv"],
            ["agreement", "--effects", fake, "--output", out],
            ["evaluate", "op3", "--effects", fake, "--output", out],
            ["fingerprint", "--input", fake, "--smiles-column", "smiles", "--output", out + ".csv"],
        ]
        for arguments in cases { try runUserError(arguments, mentions: [fake, "not an HDF5 file"]) }
    }

    func testRawDEGFileWhereAnEffectsFileIsExpected() throws {
        let dir = try temporaryDirectory()
        let deg = dir.appendingPathComponent("HepG2_de.h5ad")
        try CLIFixtures.writeDEG(deg, doses: ["1", "10"])
        let out = dir.appendingPathComponent("out").path
        let config = try CLIFixtures.write(#"{"embedding_dim": 8}"#, to: "c.json", in: dir).path
        let cases: [[String]] = [
            ["split", "--effects", deg.path, "--kind", "random", "--output", out + ".tsv"],
            ["agreement", "--effects", deg.path, "--output", out],
            ["pretrain", "--config", config, "--effects", deg.path, "--output", out],
        ]
        for arguments in cases { try runUserError(arguments, mentions: [deg.path, "perturbridge effects"]) }
        let broken = try CLIFixtures.write("{", to: "broken.json", in: dir).path
        try runUserError(
            ["pretrain", "--config", broken, "--effects", deg.path, "--output", out], mentions: [broken, "JSON"])
    }

    func testTruncatedH5ADIsReported() throws {
        let dir = try temporaryDirectory()
        let cut = try CLIFixtures.truncatedCopy(
            of: try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad"), to: "cut.h5ad", in: dir
        ).path
        let out = dir.appendingPathComponent("out").path
        let cases: [[String]] = [
            ["inspect", cut],
            ["split", "--effects", cut, "--kind", "op3", "--output", out + ".tsv"],
            ["agreement", "--effects", cut, "--output", out],
            ["evaluate", "op3", "--effects", cut, "--output", out],
        ]
        for arguments in cases { try runUserError(arguments, mentions: [cut, "truncated"]) }
    }

    /// `--format` takes `auto` or an `EffectsFormat`: anything else is a usage error listing the formats, and an
    /// explicit format is used as given (a DEG file read as OP3 lacks OP3's `sm_name` column).
    func testUnknownOrMismatchedFormat() throws {
        let dir = try temporaryDirectory()
        let deg = dir.appendingPathComponent("HepG2_de.h5ad")
        try CLIFixtures.writeDEG(deg, doses: ["1", "10"])
        let out = dir.appendingPathComponent("effects.h5ad").path
        try runUserError(
            ["effects", "--input", deg.path, "--format", "csv", "--output", out],
            mentions: ["csv", "--format", "auto", "cpb-deg", "samples-h5ad"])
        try runUserError(["effects", "--input", deg.path, "--format", "op3", "--output", out], mentions: ["sm_name"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testWrongLayerName() throws {
        let dir = try temporaryDirectory()
        let deg = dir.appendingPathComponent("HepG2_de.h5ad")
        try CLIFixtures.writeDEG(deg, doses: ["1", "10", "1", "10"])
        let out = dir.appendingPathComponent("effects.h5ad").path
        // The file has X, so a silent fallback to X would hide the typo: the named layer must exist.
        try runUserError(
            ["effects", "--input", deg.path, "--format", "cpb-deg", "--layer", "nope", "--output", out],
            mentions: ["nope", "logFC"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output may be written for a wrong layer")
        try runOK(["effects", "--input", deg.path, "--format", "cpb-deg", "--layer", "logFC", "--output", out])

        let op3 = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad").path
        try runUserError(
            [
                "evaluate", "op3", "--effects", op3, "--layer", "nope", "--features", "none", "--seeds", "0",
                "--epochs", "1",
                "--output", dir.appendingPathComponent("op3").path,
            ], mentions: [op3, "nope", "--layer"])
    }

    func testSampleLevelFileWithUnknownDoseUnitAndWrongLayer() throws {
        let dir = try temporaryDirectory()
        let samples = dir.appendingPathComponent("samples.h5ad")
        try CLIFixtures.writeSamples(samples, treated: [(0, "10"), (1, "5 furlongs"), (2, "1 uM")])
        let out = dir.appendingPathComponent("effects.h5ad").path
        let result = try runOK(["effects", "--input", samples.path, "--format", "samples-h5ad", "--output", out])
        XCTAssertTrue(result.stdout.contains("2 conditions"), result.transcript)
        for text in ["pert_dose_uM", "row 4", "furlongs"] {
            XCTAssertTrue(result.stderr.contains(text), "stderr should mention '\(text)':\n\(result.transcript)")
        }
        let other = dir.appendingPathComponent("other.h5ad").path
        try runUserError(
            ["effects", "--input", samples.path, "--format", "samples-h5ad", "--layer", "nope", "--output", other],
            mentions: ["nope"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: other))
    }

    func testInvalidSmilesRowsAreReportedAndGoodRowsWritten() throws {
        let dir = try temporaryDirectory()
        let input = try CLIFixtures.write(
            """
            name,smiles
            aspirin,CC(=O)Oc1ccccc1C(=O)O
            broken,C1CC(
            ethanol,OCC
            word,notasmiles
            """, to: "compounds.csv", in: dir)
        let out = dir.appendingPathComponent("fp.csv")
        let result = try runOK([
            "fingerprint", "--input", input.path, "--smiles-column", "smiles", "--id-column", "name",
            "--bits", "64", "--output", out.path, "--quiet",
        ])
        for text in ["row 1", "broken", "C1CC(", "row 3", "word", "notasmiles"] {
            XCTAssertTrue(result.stderr.contains(text), "stderr should mention '\(text)':\n\(result.transcript)")
        }
        XCTAssertTrue(result.stdout.contains("2 valid, 2 invalid of 4 rows"), result.transcript)
        let table = try DelimitedTable.read(out)
        XCTAssertEqual(try table.column("id"), ["aspirin", "broken", "ethanol", "word"])
        XCTAssertEqual(try table.column("valid"), ["true", "false", "true", "false"])
        XCTAssertEqual(try table.column("canonical_smiles")[2], "CCO")
        XCTAssertEqual(try table.column("inchikey")[2], "LFQSCWFLJHTTHZ-UHFFFAOYSA-N")
        XCTAssertFalse(try table.column("error")[1].isEmpty, "the output should say why row 1 is invalid")
        XCTAssertFalse(try table.column("on_bits")[0].isEmpty)
    }

    func testInvalidSmilesColumn() throws {
        let dir = try temporaryDirectory()
        let input = try CLIFixtures.write(
            "name,smiles\naspirin,CC(=O)Oc1ccccc1C(=O)O\ncaffeine,Cn1cnc2c1c(=O)n(C)c(=O)n2C\n", to: "c.csv", in: dir)
        let out = dir.appendingPathComponent("fp.h5ad").path
        // A column that does not exist: the message names it and the columns there are.
        try runUserError(
            ["fingerprint", "--input", input.path, "--smiles-column", "SMILES", "--output", out],
            mentions: ["SMILES", "smiles", "name"])
        // A column of names, not SMILES: every row invalid → exit 1, nothing written.
        try runUserError(
            ["fingerprint", "--input", input.path, "--smiles-column", "name", "--output", out, "--quiet"],
            mentions: ["name", "none of the 2"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // The same for an .h5ad input's obs.
        let deg = dir.appendingPathComponent("deg.h5ad")
        try CLIFixtures.writeDEG(deg, doses: ["1", "1"])
        try runUserError(
            ["fingerprint", "--input", deg.path, "--smiles-column", "SMILES", "--output", out],
            mentions: [deg.path, "SMILES", "canonical_smiles"])
    }

    func testNaNEffectsRowsAreSkippedAndNamed() throws {
        let dir = try temporaryDirectory()
        let deg = dir.appendingPathComponent("HepG2_de.h5ad")
        let nan = Float.nan
        try CLIFixtures.writeDEG(
            deg, doses: ["1", "1", "1", "1"],
            logFC: [
                [1, 2, 3, 4, 5], [nan, nan, nan, nan, nan], [0.5, nan, -1, 2, 0], [-1, -2, 0, 1, 2],
            ])
        let out = dir.appendingPathComponent("effects.h5ad").path
        let result = try runOK(["effects", "--input", deg.path, "--output", out])
        XCTAssertTrue(result.stdout.contains("3 conditions"), result.transcript)
        XCTAssertTrue(result.stderr.contains("NaN") && result.stderr.contains("contrast_1"), result.transcript)
        let report = try String(contentsOf: URL(fileURLWithPath: out + ".ingest.json"), encoding: .utf8)
        XCTAssertTrue(report.contains("contrast_1"), report)
    }

    func testNaNInCompoundFeatureFiles() throws {
        let dir = try temporaryDirectory()
        let op3 = try CLIFixtures.simulated().appendingPathComponent("sim_op3.h5ad").path
        let csv = try CLIFixtures.write("key,e0,e1\nA,0.1,0.2\nB,NaN,0.3\n", to: "emb.csv", in: dir).path
        let common = [
            "--layer", "logFC", "--seeds", "0", "--epochs", "1", "--ensemble", "1", "--components", "2", "--hidden",
            "4", "--bootstrap", "0", "--quiet",
        ]
        try runUserError(
            [
                "evaluate", "op3", "--effects", op3, "--features", "emb=\(csv)", "--output",
                dir.appendingPathComponent("a").path,
            ] + common,
            mentions: [csv, "row 3", "e0"])
        // The same vector as an .h5ad: NaN must be refused there too, not trained on.
        let keys = try DelimitedTable.read(try CLIFixtures.simulated().appendingPathComponent("compounds.tsv")).column(
            "key")
        var values: [Float] = keys.indices.flatMap { [Float($0), Float(1)] }
        values[2] = .nan
        let h5ad = dir.appendingPathComponent("emb.h5ad")
        try H5ADWriter.write(
            AnnData(
                X: .dense(DenseMatrix(rows: keys.count, cols: 2, values: values)),
                obs: DataFrame(index: keys), var: DataFrame(index: ["e0", "e1"])), to: h5ad)
        try runUserError(
            [
                "evaluate", "op3", "--effects", op3, "--features", "emb=\(h5ad.path)", "--output",
                dir.appendingPathComponent("b").path,
            ] + common,
            mentions: [h5ad.path, "NaN"], timeout: 120)
    }

    func testUnknownDoseUnit() throws {
        let dir = try temporaryDirectory()
        let deg = dir.appendingPathComponent("HepG2_de.h5ad")
        try CLIFixtures.writeDEG(deg, doses: ["10 furlongs", "1", "10 uM", "100 nM"])
        let out = dir.appendingPathComponent("effects.h5ad").path
        let result = try runOK(["effects", "--input", deg.path, "--output", out])
        XCTAssertTrue(result.stdout.contains("3 conditions"), result.transcript)
        for text in ["pert_dose_uM", "row 0", "furlongs"] {
            XCTAssertTrue(result.stderr.contains(text), "stderr should mention '\(text)':\n\(result.transcript)")
        }
        // Every row with an unknown unit: nothing usable → a user error, not an empty effects file.
        let allBad = dir.appendingPathComponent("bad_de.h5ad")
        try CLIFixtures.writeDEG(allBad, doses: ["10 furlongs", "1 furlong"])
        let empty = dir.appendingPathComponent("empty.h5ad").path
        try runUserError(
            ["effects", "--input", allBad.path, "--output", empty], mentions: ["furlong", "pert_dose_uM"])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: empty), "no effects file may be written when every row was skipped")
        // An unknown unit for plain-number doses.
        try runUserError(
            ["effects", "--input", deg.path, "--dose-unit", "furlongs", "--output", out],
            mentions: ["--dose-unit", "furlongs"])
    }

    /// A process started by mpirun (its environment says so) on a machine whose Open MPI library cannot be loaded:
    /// exit 1 naming the library, nothing written, no crash. Without mpirun the binary never needs libmpi at all.
    func testMPIStartWithoutOpenMPILibraryIsAUserError() throws {
        let dir = try temporaryDirectory()
        let output = dir.appendingPathComponent("run")
        let config = try CLIFixtures.write(#"{"output_mode": "multiout", "max_epochs": 1}"#, to: "config.json", in: dir)
        let result = try CLI.run(
            [
                "OMPI_COMM_WORLD_SIZE=2", "PERTURBRIDGE_MPI_LIBRARY=/nonexistent/libmpi.so.40",
                try CLI.executable().path,
                "pretrain", "--config", config.path, "--effects", dir.appendingPathComponent("absent.h5ad").path,
                "--output", output.path,
            ],
            executable: URL(fileURLWithPath: "/usr/bin/env"))
        XCTAssertEqual(result.status, 1, result.transcript)
        for text in ["started by mpirun, but Open MPI's library could not be loaded", "/nonexistent/libmpi.so.40"] {
            XCTAssertTrue(result.stderr.contains(text), "the message should mention '\(text)':\n\(result.transcript)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}
