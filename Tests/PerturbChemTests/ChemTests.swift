import PerturbChem
import XCTest

/// Identity, standardization and error reporting on hand-checked molecules.
final class ChemTests: XCTestCase {
    func testKnownInchiKeys() throws {
        let aspirin = try Chem.identity(smiles: "CC(=O)Oc1ccccc1C(=O)O")
        XCTAssertEqual(aspirin.inchiKey, "BSYNRYMUTXBXSQ-UHFFFAOYSA-N")
        XCTAssertEqual(aspirin.inchi, "InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)")
        XCTAssertEqual(aspirin.canonicalSmiles, "CC(=O)Oc1ccccc1C(=O)O")
        XCTAssertEqual(try Chem.identity(smiles: "Cn1cnc2c1c(=O)n(C)c(=O)n2C").inchiKey, "RYYVLZVUVIJVGH-UHFFFAOYSA-N")
        // Stereo layers: L-alanine (S) and D-alanine (R); (E)- and (Z)-but-2-ene.
        XCTAssertEqual(try Chem.identity(smiles: "C[C@H](N)C(=O)O").inchiKey, "QNAYBMKLOCPYGJ-REOHCLBHSA-N")
        XCTAssertEqual(try Chem.identity(smiles: "C[C@@H](N)C(=O)O").inchiKey, "QNAYBMKLOCPYGJ-UWTATZPHSA-N")
        XCTAssertEqual(try Chem.identity(smiles: "C/C=C/C").inchiKey, "IAQRGUVFOMOMEM-ONEGZZNKSA-N")
        XCTAssertEqual(try Chem.identity(smiles: "C/C=C\\C").inchiKey, "IAQRGUVFOMOMEM-ARJAWSKDSA-N")
    }

    func testSaltStrippingKeepsLargestFragment() throws {
        let salt = "CC(=O)Oc1ccccc1C(=O)[O-].[Na+]"
        XCTAssertEqual(try Chem.identity(smiles: salt).canonicalSmiles, "CC(=O)Oc1ccccc1C(=O)[O-]")
        XCTAssertEqual(
            try Chem.identity(smiles: salt, stripSalts: false).canonicalSmiles, "CC(=O)Oc1ccccc1C(=O)[O-].[Na+]")
        let hydrochloride = try Chem.identity(smiles: "Cl.CN1CCC[C@H]1c1cccnc1")  // nicotine HCl
        XCTAssertEqual(hydrochloride.inchiKey, "SNICXCGAKADSCV-JTQLQIEISA-N")
        // sci-Plex3 tranylcypromine carries a dummy atom: only the stripped parent has an InChI.
        let tranylcypromine = "*.Cl.N[C@@H]1C[C@H]1c1ccccc1"
        XCTAssertEqual(try Chem.identity(smiles: tranylcypromine).canonicalSmiles, "N[C@@H]1C[C@H]1c1ccccc1")
        XCTAssertThrowsError(try Chem.identity(smiles: tranylcypromine, stripSalts: false)) { error in
            XCTAssertTrue((error as? ChemError)?.reason.contains("dummy") == true, "\(error)")
        }
    }

    func testInvalidSmilesThrowChemErrorNamingTheSmiles() {
        for bad in ["C1CC", "not a smiles", "C(C)(C)(C)(C)C", ""] {
            XCTAssertThrowsError(try Chem.canonicalSmiles(bad)) { error in
                guard let chem = error as? ChemError else { return XCTFail("\(error) is not a ChemError") }
                XCTAssertEqual(chem.smiles, bad)
                XCTAssertFalse(chem.reason.isEmpty)
                XCTAssertTrue(chem.description.contains("'\(bad)'"), chem.description)
            }
        }
        XCTAssertThrowsError(try Chem.canonicalSmiles("CN(C)(C)(C)C")) { error in
            XCTAssertTrue((error as? ChemError)?.reason.contains("valence") == true, "\(error)")
        }
        XCTAssertThrowsError(try Chem.canonicalSmiles("")) { error in
            XCTAssertEqual((error as? ChemError)?.reason, "empty SMILES (no atoms)")
        }
    }

    func testMurckoScaffold() throws {
        XCTAssertEqual(try Chem.murckoScaffold("Cc1cc(Oc2nccc(CCC)c2)ccc1"), "c1ccc(Oc2ccccn2)cc1")
        XCTAssertEqual(try Chem.murckoScaffold("CC(=O)Oc1ccccc1C(=O)O"), "c1ccccc1")
        XCTAssertEqual(try Chem.murckoScaffold("CCCCO"), "")
    }

    func testCanonicalSmilesIsIndependentOfInputOrder() throws {
        XCTAssertEqual(
            try Chem.canonicalSmiles("OC(=O)c1ccccc1OC(C)=O"), try Chem.canonicalSmiles("CC(=O)Oc1ccccc1C(=O)O"))
        XCTAssertEqual(try Molecule(smiles: "c1ccccc1.O").atomCount, 7)
    }
}
