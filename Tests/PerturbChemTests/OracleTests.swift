import PerturbBase
import PerturbChem
import PerturbTestSupport
import XCTest

/// Bit-exact agreement with the RDKit oracle file (RDKit 2022.09.5 wheel, see its PROVENANCE.md):
/// Morgan radius 2 at 128 and 2048 bits, canonical SMILES and InChIKey for 4,459 real molecules.
final class OracleTests: XCTestCase {
    struct Row {
        let set: String, id: String, smiles: String, parsed: Bool
        let canonical: String, inchiKey: String, bits128: [Int], bits2048: [Int]
    }

    func loadOracle() throws -> [Row] {
        let url = try Requirement.sharedFile("rdkit-morgan-oracle/morgan_r2_oracle_rdkit2022.09.5.tsv")
        let table = try DelimitedTable.read(url)
        func col(_ name: String) throws -> Int { try table.columnIndex(name) }
        let (s, i, smi, p, c, k, b128, b2048) = try (
            col("set"), col("id"), col("input_smiles"), col("parsed"),
            col("rdkit_canonical_smiles"), col("rdkit_inchikey"), col("morgan_r2_128_onbits"),
            col("morgan_r2_2048_onbits")
        )
        func bits(_ text: String) -> [Int] { text.split(separator: " ").compactMap { Int($0) } }
        return table.rows.map { r in
            Row(
                set: r[s], id: r[i], smiles: r[smi], parsed: r[p] == "1", canonical: r[c], inchiKey: r[k],
                bits128: bits(r[b128]), bits2048: bits(r[b2048]))
        }
    }

    func testMorganBitsMatchOracle() throws {
        let rows = try loadOracle()
        XCTAssertGreaterThan(rows.count, 4000)
        let smiles = rows.map(\.smiles)
        let r128 = Morgan.batch(smiles: smiles, options: MorganOptions(radius: 2, bits: 128))
        let r2048 = Morgan.batch(smiles: smiles, options: MorganOptions(radius: 2, bits: 2048))
        var compared = 0
        var mismatches: [String] = []
        for (n, row) in rows.enumerated() {
            XCTAssertEqual(r128.fingerprints[n] != nil, row.parsed, "parse status of \(row.set)/\(row.id)")
            guard row.parsed, let f128 = r128.fingerprints[n], let f2048 = r2048.fingerprints[n] else { continue }
            compared += 1
            if f128.onBits != row.bits128 || f2048.onBits != row.bits2048 { mismatches.append("\(row.set)/\(row.id)") }
        }
        XCTAssertEqual(compared, rows.filter(\.parsed).count)
        XCTAssertGreaterThanOrEqual(compared, 4457)
        XCTAssertEqual(mismatches, [], "Morgan bits differ from RDKit Python")
        XCTAssertEqual(r128.failures.map(\.row), rows.indices.filter { !rows[$0].parsed })
    }

    func testCanonicalSmilesAndInchiKeysMatchOracle() throws {
        let rows = try loadOracle().filter(\.parsed)
        var smilesMismatches: [String] = []
        var keyMismatches: [String] = []
        for row in rows {
            let molecule = try Molecule(smiles: row.smiles)
            if try molecule.canonicalSmiles() != row.canonical {
                smilesMismatches.append("\(row.id): \(row.canonical)")
            }
            let key = (try? molecule.inchi().inchiKey) ?? ""
            if key != row.inchiKey {
                keyMismatches.append("\(row.id) \(row.smiles): ours \(key) oracle \(row.inchiKey)")
            }
        }
        print(
            "oracle: \(rows.count) molecules, canonical SMILES mismatches \(smilesMismatches.count), InChIKey mismatches \(keyMismatches.count)"
        )
        for m in keyMismatches.prefix(40) { print("  key: \(m)") }
        for m in smilesMismatches.prefix(20) { print("  smiles: \(m)") }
        XCTAssertEqual(smilesMismatches, [])
        XCTAssertEqual(keyMismatches, [])
    }
}
