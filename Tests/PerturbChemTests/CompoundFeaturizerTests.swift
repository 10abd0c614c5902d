import PerturbChem
import XCTest

/// The per-row featurizer behind `perturbridge fingerprint`.
final class CompoundFeaturizerTests: XCTestCase {
    let smiles = ["CC(=O)Oc1ccccc1C(=O)O", "C1CC", "CC(=O)Oc1ccccc1C(=O)[O-].[Na+]", "*.Cl.N[C@@H]1C[C@H]1c1ccccc1"]

    func testCountsBitsIdentityAndFailures() throws {
        let options = MorganOptions(radius: 2, bits: 512, counts: true)
        let result = CompoundFeaturizer.run(smiles: smiles, options: options, stripSalts: true, threads: 2)
        XCTAssertEqual(result.failures.map(\.row), [1])
        XCTAssertNil(result.features[1])
        let aspirin = try XCTUnwrap(result.features[0])
        XCTAssertEqual(aspirin.values, try Morgan.counts(smiles: smiles[0], options: options).map { Float($0) })
        XCTAssertEqual(aspirin.inchiKey, "BSYNRYMUTXBXSQ-UHFFFAOYSA-N")
        XCTAssertEqual(result.features[2]?.canonicalSmiles, "CC(=O)Oc1ccccc1C(=O)[O-]")
        XCTAssertEqual(result.features[3]?.inchiKey, "AELCINSCMGFISI-DTWKUNHWSA-N")

        let kept = CompoundFeaturizer.run(
            smiles: smiles, options: MorganOptions(radius: 2, bits: 512), stripSalts: false, threads: 1)
        XCTAssertEqual(
            kept.features[0]?.values,
            try Morgan.fingerprint(smiles: smiles[0], options: MorganOptions(radius: 2, bits: 512)).toFloats())
        XCTAssertEqual(kept.features[3]?.inchiKey, "", "dummy atoms have no InChI; the row stays valid")
        XCTAssertNotNil(kept.features[3])
        XCTAssertNotEqual(
            kept.features[2]?.values, result.features[2]?.values.map { $0 > 0 ? 1 : 0 },
            "the sodium counter-ion adds an on-bit when salts are kept")
    }
}
