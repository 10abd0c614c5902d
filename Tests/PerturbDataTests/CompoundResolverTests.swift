import Foundation
import PerturbTestSupport
import XCTest

@testable import PerturbData

/// Compound identity at ingest: salts kept or stripped, and where a PubChem CID comes from.
final class CompoundResolverTests: XCTestCase {
    private let sodiumSalicylate = "O=C([O-])c1ccccc1O.[Na+]"

    func testSaltsAreStrippedByDefaultAndKeptOnRequest() throws {
        guard case .success(let parent) = CompoundResolver().resolve(names: ["salt"], smiles: sodiumSalicylate),
            case .success(let whole) = CompoundResolver(stripSalts: false).resolve(
                names: ["salt"], smiles: sodiumSalicylate)
        else {
            return XCTFail("the SMILES should resolve")
        }
        XCTAssertFalse(parent.canonicalSmiles.contains("."), parent.canonicalSmiles)
        XCTAssertTrue(
            whole.canonicalSmiles.contains(".") && whole.canonicalSmiles.contains("Na"), whole.canonicalSmiles)
        XCTAssertNotEqual(parent.key, whole.key, "the salt form is a different molecule when salts are kept")
    }

    func testCIDFromTheRowThenNameThenSmilesAsWritten() throws {
        let resolver = CompoundResolver(cidByName: ["aspirin": "2244", sodiumSalicylate: "16760658"])
        func cid(_ names: [String], _ smiles: String?, _ row: String? = nil) -> String {
            guard case .success(let c) = resolver.resolve(names: names, smiles: smiles, cid: row) else {
                return "error"
            }
            return c.pubchemCID
        }
        XCTAssertEqual(cid(["Aspirin"], "CC(=O)Oc1ccccc1C(=O)O"), "2244", "by lower-cased name")
        XCTAssertEqual(cid(["unknown salt"], sodiumSalicylate), "16760658", "by the SMILES as written")
        XCTAssertEqual(
            cid(["caffeine"], "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "2519.0"), "2519", "the row's own CID first, normalized")
        XCTAssertEqual(cid(["water"], "O", "NA"), "", "a missing marker is no CID")
        XCTAssertEqual(resolver.compounds.values.filter { !$0.pubchemCID.isEmpty }.count, 3)
    }

    func testCIDMapTableNeedsACIDColumn() throws {
        let dir = try temporaryDirectory("cidmap")
        let good = dir.appendingPathComponent("map.csv"), bad = dir.appendingPathComponent("bad.csv")
        try "name,smiles,pubchem_cid\nAspirin,CC(=O)Oc1ccccc1C(=O)O,2244\nnothing,C,-666\n".write(
            to: good, atomically: true, encoding: .utf8)
        try "name,smiles\nAspirin,CC(=O)Oc1ccccc1C(=O)O\n".write(to: bad, atomically: true, encoding: .utf8)
        let map = try XCTUnwrap(CompoundResolver.loadCIDMap(good))
        XCTAssertEqual(map["aspirin"], "2244")
        XCTAssertEqual(map["CC(=O)Oc1ccccc1C(=O)O"], "2244")
        XCTAssertNil(map["nothing"])
        XCTAssertNil(try CompoundResolver.loadCIDMap(bad, required: false))
        XCTAssertThrowsError(try CompoundResolver.loadCIDMap(bad)) {
            XCTAssertTrue("\($0)".contains("pubchem_cid"), "\($0)")
        }
    }
}
