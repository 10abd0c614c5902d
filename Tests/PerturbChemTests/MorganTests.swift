import PerturbChem
import XCTest

/// Fingerprint container, options, Tanimoto and the parallel batch.
final class MorganTests: XCTestCase {
    func testFingerprintBitsAndFloats() {
        var fp = Fingerprint(bits: 130)
        XCTAssertEqual(fp.words.count, 3)
        for i in [0, 63, 64, 129] { fp.set(i) }
        XCTAssertEqual(fp.onBits, [0, 63, 64, 129])
        XCTAssertEqual(fp.popCount, 4)
        XCTAssertTrue(fp.isSet(129))
        XCTAssertFalse(fp.isSet(128))
        let floats = fp.toFloats()
        XCTAssertEqual(floats.count, 130)
        XCTAssertEqual(floats.indices.filter { floats[$0] == 1 }, [0, 63, 64, 129])
    }

    func testTanimotoByHand() {
        var a = Fingerprint(bits: 100), b = Fingerprint(bits: 100)
        for i in [1, 2, 3, 70] { a.set(i) }
        for i in [2, 3, 70, 99, 50] { b.set(i) }
        XCTAssertEqual(Morgan.tanimoto(a, b), 3.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(Morgan.tanimoto(a, a), 1)
        XCTAssertEqual(Morgan.tanimoto(Fingerprint(bits: 100), Fingerprint(bits: 100)), 1)
        XCTAssertEqual(Morgan.tanimoto(a, Fingerprint(bits: 100)), 0)
    }

    func testSingleMoleculeFingerprintAndCountsAgree() throws {
        let options = MorganOptions(radius: 2, bits: 1024)
        let bits = try Morgan.fingerprint(smiles: "CC(=O)Oc1ccccc1C(=O)O", options: options)
        let counts = try Morgan.counts(smiles: "CC(=O)Oc1ccccc1C(=O)O", options: options)
        XCTAssertEqual(counts.count, 1024)
        XCTAssertEqual(bits.onBits, counts.indices.filter { counts[$0] > 0 })
        XCTAssertGreaterThan(counts.max() ?? 0, 1, "aspirin has repeated environments (aromatic CH)")
        // Radius 0 sees only atom invariants: benzene has a single on-bit.
        XCTAssertEqual(
            try Morgan.fingerprint(smiles: "c1ccccc1", options: MorganOptions(radius: 0, bits: 2048)).popCount, 1)
    }

    func testChiralityOptionDistinguishesEnantiomers() throws {
        let plain = MorganOptions(radius: 2, bits: 2048)
        let chiral = MorganOptions(radius: 2, bits: 2048, useChirality: true)
        let l = "C[C@H](N)C(=O)O", d = "C[C@@H](N)C(=O)O"
        XCTAssertEqual(
            try Morgan.fingerprint(smiles: l, options: plain), try Morgan.fingerprint(smiles: d, options: plain))
        XCTAssertNotEqual(
            try Morgan.fingerprint(smiles: l, options: chiral), try Morgan.fingerprint(smiles: d, options: chiral))
    }

    func testBadOptionsAreUserErrors() {
        XCTAssertThrowsError(try Morgan.fingerprint(smiles: "CCO", options: MorganOptions(radius: 2, bits: 0)))
        XCTAssertThrowsError(try Morgan.fingerprint(smiles: "CCO", options: MorganOptions(radius: 40, bits: 64)))
    }

    func testBatchReportsInvalidRowsAndIsThreadIndependent() {
        var smiles = (0..<60).map { n in
            String(repeating: "C", count: n % 7 + 1) + "c1ccccc1" + (n % 2 == 0 ? "O" : "N")
        }
        smiles[5] = "C1CC"
        smiles[33] = "xyz"
        smiles[59] = ""
        let options = MorganOptions(radius: 2, bits: 256)
        let one = Morgan.batch(smiles: smiles, options: options, threads: 1)
        let four = Morgan.batch(smiles: smiles, options: options, threads: 4)
        XCTAssertEqual(one.failures.map(\.row), [5, 33, 59])
        XCTAssertEqual(one.failures.map(\.smiles), ["C1CC", "xyz", ""])
        XCTAssertEqual(four.failures, one.failures)
        XCTAssertEqual(four.fingerprints, one.fingerprints)
        XCTAssertEqual(one.fingerprints.indices.filter { one.fingerprints[$0] == nil }, [5, 33, 59])
        XCTAssertEqual(one.fingerprints[0], try Morgan.fingerprint(smiles: smiles[0], options: options))
        let counts = Morgan.batchCounts(smiles: smiles, options: options, threads: 3)
        XCTAssertEqual(counts.failures, one.failures)
        XCTAssertEqual(counts.counts[1].map { c in c.indices.filter { c[$0] > 0 } }, one.fingerprints[1]?.onBits)
    }
}
