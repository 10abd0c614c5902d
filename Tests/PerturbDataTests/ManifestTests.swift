import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbData

final class ManifestTests: XCTestCase {
    let header = "dataset\tcontext\tperturbation\tlog_dose\ttime\tsplit\n"

    func write(_ text: String) throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent("manifest.tsv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func assertManifestError(
        _ text: String, mentions parts: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let url = try write(text)
        assertUserError(try ConditionManifest.read(url), mentions: parts + [url.path], file: file, line: line)
    }

    /// Missing columns, unparseable numbers, bad splits and duplicate conditions name the file, line and field.
    func testBadManifestsNameFileLineAndField() throws {
        try assertManifestError(
            "dataset\tcontext\tperturbation\tlog_dose\tsplit\nA\tc\t1\t0\ttrain\n", mentions: ["line 1", "'time'"])
        try assertManifestError(
            header + "A\tc\t1\t0\t24\ttrain\nA\tc\t2\tabc\t24\ttrain\n", mentions: ["line 3", "'log_dose'", "abc"])
        try assertManifestError(header + "A\tc\t1\t0\t-1\ttrain\n", mentions: ["line 2", "'time'"])
        try assertManifestError(header + "A\tc\t1\t0\t24\tholdout\n", mentions: ["line 2", "'split'"])
        try assertManifestError(
            header + "A\tc\t1\t0\t24\ttrain\nA\tc\t1\t0\t24\tval\n", mentions: ["line 3", "duplicate", "line 2"])
        try assertManifestError(header + "A\t\t1\t0\t24\ttrain\n", mentions: ["line 2", "'context'"])
        try assertManifestError(header, mentions: ["no conditions"])
    }

    /// `-inf` is dose 0; the fraction keeps whole molecules (every row of a kept CID, none of a dropped one).
    func testDoseZeroAndFractionKeepsWholeMolecules() throws {
        var text = header
        for cid in 1...40 {
            for ctx in ["a", "b"] {
                text += "D\t\(ctx)\t\(cid)\t\(cid == 1 ? "-inf" : "0.5")\t24\t\(cid % 10 == 0 ? "test" : "train")\n"
            }
        }
        let manifest = try ConditionManifest.read(try write(text))
        XCTAssertEqual(manifest.entries.count, 80)
        XCTAssertEqual(manifest.entries[0].doseMicromolar, 0)
        XCTAssertEqual(manifest.entries[2].doseMicromolar, pow(10, 0.5), accuracy: 1e-12)
        let part = manifest.keepingFraction(0.25, seed: 3)
        let kept = Set(part.entries.map(\.perturbation))
        XCTAssertEqual(kept.count, 10)
        XCTAssertEqual(part.entries.count, 20)
        XCTAssertEqual(manifest.keepingFraction(0.25, seed: 3).entries, part.entries)
        XCTAssertNotEqual(Set(manifest.keepingFraction(0.25, seed: 4).entries.map(\.perturbation)), kept)
    }

    /// The paper's manifest at 0.2 %: the files hold exactly the kept conditions, with the manifest's split, LINCS
    /// on the 978 landmarks, the others on panels of the reference sizes; values are finite and reproducible.
    func testPublishedManifestSubsetIsSimulatedExactly() throws {
        let manifestURL = try Requirement.sharedFile("chem-perturbridge-splits/df_annot_split.tsv.gz")
        let manifest = try ConditionManifest.read(manifestURL)
        XCTAssertEqual(manifest.entries.count, 411_514)
        XCTAssertEqual(manifest.datasets.count, 12)
        XCTAssertEqual(manifest.entries.filter { $0.logDose == -.infinity }.count, 74)
        let subset = manifest.keepingFraction(0.002, seed: 13)
        var config = ManifestSimulatorConfig()
        config.genePool = 12_000
        config.panelRules = [
            PanelSizeRule(match: "LINCS", minimum: 978, landmarks: true),
            PanelSizeRule(match: "tahoe", minimum: 3_000, maximum: 6_000),
            PanelSizeRule(match: "", minimum: 2_000),
        ]
        let dir = try temporaryDirectory()
        let written = try ManifestSimulator.write(
            subset, config: config, seed: 13, smilesByCID: [:], to: dir, threads: 2)
        XCTAssertEqual(written.reduce(0) { $0 + $1.conditions }, subset.entries.count)
        let split = try SplitAssignment.read(dir.appendingPathComponent("split.tsv")).splitOf
        let expected = Dictionary(uniqueKeysWithValues: subset.entries.map { ($0.condition.id, $0.split) })
        XCTAssertEqual(split, expected)
        for w in written {
            let table = try EffectsTable.read(w.file)
            XCTAssertEqual(table.conditions, subset.entries.filter { $0.dataset == w.dataset }.map(\.condition))
            XCTAssertTrue(table.logFC.allSatisfy(\.isFinite))
            let perRow = (0..<table.rowCount).map { r in table.measuredRow(r).filter { $0 }.count }
            if w.dataset.hasPrefix("LINCS") {
                XCTAssertEqual(table.geneCount, 978)
                XCTAssertTrue(perRow.allSatisfy { $0 == 978 })
            } else if w.dataset == "tahoe100" {
                XCTAssertTrue(perRow.allSatisfy { (3_000...6_000).contains($0) }, "\(Set(perRow))")
            } else {
                XCTAssertTrue(perRow.allSatisfy { $0 == 2_000 }, "\(w.dataset): \(Set(perRow))")
            }
            // Unmeasured entries are 0 and measured ones carry signal.
            XCTAssertTrue(zip(table.logFC, table.measured).allSatisfy { $1 || $0 == 0 })
            XCTAssertGreaterThan(zip(table.logFC, table.measured).filter { $1 }.map { abs($0.0) }.max() ?? 0, 0.1)
        }
        let again = try ManifestSimulator.write(
            subset, config: config, seed: 13, smilesByCID: [:], to: try temporaryDirectory(), threads: 1)
        XCTAssertEqual(
            try EffectsTable.read(again[0].file).logFC, try EffectsTable.read(written[0].file).logFC,
            "thread count must not matter")
    }
}
