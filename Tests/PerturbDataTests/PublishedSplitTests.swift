import Foundation
import PerturbBase
import PerturbIO
import PerturbTestSupport
import XCTest

@testable import PerturbData

/// The reference's split, reproduced and applied: the paper's condition table and held-out molecule list.
final class PublishedSplitTests: XCTestCase {
    private func published() throws -> (table: URL, molecules: URL, summary: URL) {
        let table = try Requirement.sharedFile("chem-perturbridge-splits/df_annot_split.tsv.gz")
        let molecules = try Requirement.sharedFile("chem-perturbridge-splits/heldout_molecules.tsv")
        let summary = try Requirement.sharedFile("chem-perturbridge-splits/summary.tsv")
        return (table, molecules, summary)
    }

    /// Seed 13 over the paper's 411,514 conditions gives back the published split column, row for row, and the
    /// published held-out molecule list; the per-dataset counts equal summary.tsv.
    func testMoleculeHoldoutSeed13ReproducesThePublishedSplit() throws {
        let files = try published()
        let table = try ConditionTable.read(files.table)
        XCTAssertEqual(table.manifest.entries.count, 411_514)
        let split = MoleculeHoldout.crossDataset(conditions: table.conditions, seed: 13)
        var mismatches = 0
        for (entry, row) in zip(split.entries, table.manifest.entries) where entry.split != row.split {
            mismatches += 1
        }
        XCTAssertEqual(mismatches, 0, "rows whose split differs from the published one")
        XCTAssertEqual(MoleculeHoldout.trainingCopyViolations(split), 0)

        let listed = try DelimitedTable.read(files.molecules)
        let expected = Set(
            try zip(zip(listed.column("dataset"), listed.column("split")), listed.column("molecule")).map {
                "\($0.0)|\($0.1)|\($1)"
            })
        XCTAssertEqual(Set(split.heldOutMolecules.map { "\($0.dataset)|\($0.split)|\($0.molecule)" }), expected)

        let summary = try DelimitedTable.read(files.summary)
        for row in summary.rows {
            let dataset = row[try summary.columnIndex("dataset")]
            let counts = split.counts(dataset: dataset)
            XCTAssertEqual(counts["val"] ?? 0, Int(row[try summary.columnIndex("val_samples")]), dataset)
            XCTAssertEqual(counts["test"] ?? 0, Int(row[try summary.columnIndex("test_samples")]), dataset)
        }
        // A different seed draws different molecules.
        let other = MoleculeHoldout.crossDataset(conditions: table.conditions, seed: 14)
        XCTAssertNotEqual(other.entries.map(\.split), split.entries.map(\.split))
    }

    /// The table mode writes the same rows back with only the split column replaced.
    func testConditionTableWriteBackKeepsEveryOtherByte() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("conditions.tsv")
        let text =
            "dataset\tcontext\tperturbation\tlog_dose\ttime\tsplit\textra\n"
            + "A\tc1\t2244\t0.47712125471966244\t24\ttest\tx\n"
            + "A\tc1\t2244\t-inf\t24\ttest\ty\n"
            + "B\tc2\t5090\t1\t6\ttrain\tz\n"
        try text.write(to: input, atomically: true, encoding: .utf8)
        let table = try ConditionTable.read(input)
        let conditions = table.conditions
        let assignment = SplitAssignment(
            kind: "t", seed: 0, parameters: [],
            entries: conditions.enumerated().map { i, c in
                .init(
                    conditionId: c.id, dataset: c.dataset, context: c.context, compounds: c.compounds,
                    split: ["val", "train", "test"][i])
            })
        let output = dir.appendingPathComponent("out.tsv.gz")
        try table.write(assignment, to: output)
        let back = String(decoding: try TextFile.readBytes(output), as: UTF8.self)
        XCTAssertEqual(
            back,
            text.replacingOccurrences(of: "24\ttest\tx", with: "24\tval\tx")
                .replacingOccurrences(of: "24\ttest\ty", with: "24\ttrain\ty").replacingOccurrences(
                    of: "6\ttrain\tz", with: "6\ttest\tz"))
        XCTAssertEqual(Array(try Data(contentsOf: output).prefix(2)), [0x1f, 0x8b], "a .gz name writes gzip")

        // Without a split column one is appended.
        let bare = dir.appendingPathComponent("bare.tsv")
        try "dataset\tcontext\tperturbation\tlog_dose\ttime\nA\tc1\t2244\t0\t24\n".write(
            to: bare, atomically: true, encoding: .utf8)
        let bareTable = try ConditionTable.read(bare)
        let c = bareTable.conditions[0]
        try bareTable.write(
            SplitAssignment(
                kind: "t", seed: 0, parameters: [],
                entries: [
                    .init(
                        conditionId: c.id, dataset: c.dataset, context: c.context, compounds: c.compounds, split: "test"
                    )
                ]), to: bare)
        XCTAssertEqual(
            try String(contentsOf: bare, encoding: .utf8),
            "dataset\tcontext\tperturbation\tlog_dose\ttime\tsplit\nA\tc1\t2244\t0\t24\ttest\n")
    }

    /// Applying the published table to conditions keyed by CID, and the reasons for the ones it cannot place.
    func testApplyingThePublishedTableAndItsUnplacedConditions() throws {
        let files = try published()
        let split = try PublishedSplit.read(files.table)
        let manifest = try ConditionManifest.read(files.table)
        let sample = stride(from: 0, to: manifest.entries.count, by: 97).map { manifest.entries[$0] }
        var conditions = sample.map(\.condition)
        conditions.append(
            Condition(dataset: "op3", context: "T cells", compounds: [], doseMicromolar: nil, timeHours: 24))
        conditions.append(
            Condition(dataset: "not a dataset", context: "x", compounds: ["2244"], doseMicromolar: 1, timeHours: 24))
        conditions.append(
            Condition(
                dataset: "op3", context: "T cells", compounds: ["BSYNRYMUTXBXSQ-UHFFFAOYSA-N"], doseMicromolar: 1,
                timeHours: 24))
        conditions.append(
            Condition(
                dataset: sample[0].dataset, context: sample[0].context, compounds: [sample[0].perturbation],
                doseMicromolar: sample[0].doseMicromolar * 1.5, timeHours: sample[0].timeHours))
        let (assignment, unplaced) = split.apply(to: conditions)
        XCTAssertEqual(assignment.entries.count, sample.count + 1)
        XCTAssertEqual(Array(assignment.entries.prefix(sample.count).map(\.split)), sample.map(\.split))
        XCTAssertEqual(assignment.entries.last?.split, "train", "controls train")
        XCTAssertEqual(
            unplaced.map(\.reason),
            [
                "dataset not in the published split", "compound without a PubChem CID",
                "no published condition at this dose",
            ])

        // The held-out molecule list gives the same row splits on the published conditions.
        let byMolecule = try PublishedSplit.read(files.molecules).apply(to: sample.map(\.condition))
        XCTAssertTrue(byMolecule.unplaced.isEmpty)
        XCTAssertEqual(byMolecule.assignment.entries.map(\.split), sample.map(\.split))
    }

    func testCompoundKeyUsesRecordedCIDs() {
        let compounds = [
            "AAA-KEY": Compound(key: "AAA-KEY", canonicalSmiles: "C", aliases: [], pubchemCID: "297"),
            "BBB-KEY": Compound(key: "BBB-KEY", canonicalSmiles: "CC", aliases: []),
        ]
        let conditions = [
            Condition(dataset: "d", context: "c", compounds: ["AAA-KEY", "BBB-KEY"], doseMicromolar: 1, timeHours: 24),
            Condition(dataset: "d", context: "c", compounds: ["2244"], doseMicromolar: 1, timeHours: 24),
        ]
        let (rekeyed, missing) = CompoundKey.cid.rekey(conditions, compounds: compounds)
        XCTAssertEqual(rekeyed.map(\.compounds), [["297", "BBB-KEY"], ["2244"]])
        XCTAssertEqual(missing, ["BBB-KEY"])
        XCTAssertEqual(CompoundKey.inchikey.rekey(conditions, compounds: compounds).conditions, conditions)
        XCTAssertEqual(Compound.normalizedCID(" 2244.0 "), "2244")
        XCTAssertNil(Compound.normalizedCID("-666"))
        XCTAssertNil(Compound.normalizedCID("NA"))
    }
}
