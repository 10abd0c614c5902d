import Foundation
import PerturbBase
import PerturbChem
import PerturbTestSupport
import XCTest

/// Agreement with RDKit Python (Debian `/usr/bin/python3`, python3-rdkit) run in the test on ~300 LINCS drug SMILES:
/// Morgan bits (generator and legacy AllChem API), chirality and counts options, canonical SMILES, largest
/// fragment and Murcko scaffolds.
final class PythonParityTests: XCTestCase {
    static let script = """
        import json, sys
        from rdkit import Chem, RDLogger
        from rdkit.Chem import AllChem, rdFingerprintGenerator
        from rdkit.Chem.MolStandardize import rdMolStandardize
        from rdkit.Chem.Scaffolds import MurckoScaffold
        RDLogger.DisableLog('rdApp.*')
        g2 = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
        g3 = rdFingerprintGenerator.GetMorganGenerator(radius=3, fpSize=1024, includeChirality=True)
        g1 = rdFingerprintGenerator.GetMorganGenerator(radius=1, fpSize=128)
        chooser = rdMolStandardize.LargestFragmentChooser()
        for line in sys.stdin:
            smi = line.rstrip('\\n')
            mol = Chem.MolFromSmiles(smi)
            if mol is None:
                print(json.dumps(None)); continue
            legacy = AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048)
            counts = g2.GetCountFingerprint(mol).GetNonzeroElements()
            print(json.dumps({
                'canonical': Chem.MolToSmiles(mol),
                'r2_2048': list(g2.GetFingerprint(mol).GetOnBits()),
                'legacy_r2_2048': list(legacy.GetOnBits()),
                'r3_1024_chiral': list(g3.GetFingerprint(mol).GetOnBits()),
                'r1_128_counts': {str(k): v for k, v in g1.GetCountFingerprint(mol).GetNonzeroElements().items()},
                'largest': Chem.MolToSmiles(chooser.choose(mol)),
                'scaffold': Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol)),
            }))
        """

    struct Expected: Decodable {
        let canonical: String
        let r2_2048: [Int]
        let legacy_r2_2048: [Int]
        let r3_1024_chiral: [Int]
        let r1_128_counts: [String: Int]
        let largest: String
        let scaffold: String
    }

    /// Every 59th SMILES of chemCPA's LINCS list (≈300 diverse drugs).
    func sampleSmiles() throws -> [String] {
        let url = try Requirement.sharedFile("chemcpa-smiles/lincs_drugs_smiles.csv")
        let records = DelimitedTable.parse(try String(contentsOf: url, encoding: .utf8), delimiter: ",")
        return stride(from: 0, to: records.count, by: 59).compactMap { n in
            records[n].count >= 2 ? records[n][1].trimmingCharacters(in: .whitespaces) : nil
        }
    }

    /// RDKit Python's answers for `smiles` (Debian's `/usr/bin/python3`, which has RDKit), one per line on stdin.
    func runPython(_ smiles: [String]) throws -> [Expected?] {
        let output = try Python.run(
            Self.script, interpreter: "/usr/bin/python3", input: smiles.joined(separator: "\n") + "\n")
        return try output.split(separator: "\n").map { try JSONDecoder().decode(Expected?.self, from: Data($0.utf8)) }
    }

    func testFingerprintsAndSmilesMatchRDKitPython() throws {
        let smiles = try sampleSmiles()
        XCTAssertGreaterThanOrEqual(smiles.count, 250)
        let expected = try runPython(smiles)
        XCTAssertEqual(expected.count, smiles.count)
        let r2 = Morgan.batch(smiles: smiles, options: MorganOptions(radius: 2, bits: 2048))
        let r3 = Morgan.batch(smiles: smiles, options: MorganOptions(radius: 3, bits: 1024, useChirality: true))
        let r1 = Morgan.batchCounts(smiles: smiles, options: MorganOptions(radius: 1, bits: 128))
        var compared = 0
        for (n, smi) in smiles.enumerated() {
            guard let want = expected[n] else {
                XCTAssertNil(r2.fingerprints[n], "RDKit Python rejects \(smi) but we parsed it")
                continue
            }
            compared += 1
            XCTAssertEqual(r2.fingerprints[n]?.onBits, want.r2_2048, smi)
            XCTAssertEqual(want.legacy_r2_2048, want.r2_2048, "AllChem and generator differ for \(smi)")
            XCTAssertEqual(r3.fingerprints[n]?.onBits, want.r3_1024_chiral, smi)
            var counts = [UInt32](repeating: 0, count: 128)
            for (key, value) in want.r1_128_counts { counts[Int(key)!] = UInt32(value) }
            XCTAssertEqual(r1.counts[n], counts, smi)
            let molecule = try Molecule(smiles: smi)
            XCTAssertEqual(try molecule.canonicalSmiles(), want.canonical)
            XCTAssertEqual(try molecule.murckoScaffold(), want.scaffold, smi)
            XCTAssertEqual(try Chem.identity(smiles: smi, stripSalts: true).canonicalSmiles, want.largest, smi)
        }
        XCTAssertGreaterThanOrEqual(compared, 250)
        XCTAssertTrue(smiles.contains { $0.contains(".") }, "sample should include multi-fragment SMILES")
        XCTAssertTrue(smiles.contains { $0.contains("@") }, "sample should include stereo SMILES")
    }
}
