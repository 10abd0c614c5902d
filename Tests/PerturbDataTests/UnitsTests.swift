import XCTest

@testable import PerturbData

final class UnitsTests: XCTestCase {
    func testDoseStrings() throws {
        XCTAssertEqual(try DoseParser.micromolar("10.0 um"), 10)
        XCTAssertEqual(try DoseParser.micromolar("10 uM"), 10)
        XCTAssertEqual(try DoseParser.micromolar("10µM"), 10)
        XCTAssertEqual(try DoseParser.micromolar("10μM"), 10)
        XCTAssertEqual(try DoseParser.micromolar("500 nM")!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(try DoseParser.micromolar("1 mM"), 1000)
        XCTAssertEqual(try DoseParser.micromolar("0.5 M"), 500_000)
        XCTAssertEqual(try DoseParser.micromolar("250 pM")!, 2.5e-4, accuracy: 1e-12)
        XCTAssertEqual(try DoseParser.micromolar("1e-3 mM")!, 1, accuracy: 1e-12)
        XCTAssertEqual(try DoseParser.micromolar("3.33", defaultUnit: .micromolar), 3.33)
        XCTAssertEqual(try DoseParser.micromolar("100", defaultUnit: .nanomolar)!, 0.1, accuracy: 1e-12)
        XCTAssertNil(try DoseParser.micromolar("-666"))
        XCTAssertNil(try DoseParser.micromolar(""))
        XCTAssertNil(try DoseParser.micromolar("NA"))
    }

    func testBadDoseNamesFileColumnRow() {
        let location = ValueLocation(file: "plate.gct", column: "pert_idose", row: 17)
        XCTAssertThrowsError(try DoseParser.micromolar("10 mg/ml", location: location)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("plate.gct"), text)
            XCTAssertTrue(text.contains("pert_idose"), text)
            XCTAssertTrue(text.contains("row 17"), text)
            XCTAssertTrue(text.contains("unknown dose unit 'mg/ml'"), text)
        }
        XCTAssertThrowsError(try DoseParser.micromolar("3.3")) { error in
            XCTAssertTrue("\(error)".contains("no unit given"), "\(error)")
        }
        XCTAssertThrowsError(try DoseParser.micromolar("-1 uM"))
        XCTAssertThrowsError(try DoseParser.micromolar("high"))
    }

    func testTimeStrings() throws {
        XCTAssertEqual(try TimeParser.hours("24 h"), 24)
        XCTAssertEqual(try TimeParser.hours("6 hr"), 6)
        XCTAssertEqual(try TimeParser.hours("30 min"), 0.5)
        XCTAssertEqual(try TimeParser.hours("2 d"), 48)
        XCTAssertEqual(try TimeParser.hours("24", defaultUnit: "h"), 24)
        XCTAssertNil(try TimeParser.hours("-666"))
        XCTAssertThrowsError(
            try TimeParser.hours("3 fortnights", location: ValueLocation(file: "f.h5ad", column: "time", row: 2))
        ) { error in
            XCTAssertTrue(
                "\(error)".contains("unknown time unit 'fortnights'") && "\(error)".contains("row 2"), "\(error)")
        }
    }

    func testLogDose() {
        XCTAssertEqual(LogDose.value(micromolar: 10), 1)
        XCTAssertEqual(LogDose.value(micromolar: 1), 0)
        XCTAssertEqual(LogDose.value(micromolar: 0.001), -3, accuracy: 1e-6)
        XCTAssertEqual(LogDose.value(micromolar: 0), -5)
        XCTAssertEqual(LogDose.value(micromolar: nil), 0)
        XCTAssertEqual(LogDose.value(micromolar: .nan), 0)
        XCTAssertEqual(LogDose.value(micromolar: 1e9), 5)
    }

    func testGeneVocabularyHarmonizesPanels() {
        var vocabulary = GeneVocabulary()
        let l1000 = vocabulary.merge(symbols: ["TP53", "MYC", "EGFR"], ensemblIds: ["ENSG00000141510", "", ""])
        let rnaseq = vocabulary.merge(
            symbols: ["P53-alias", "EGFR", "GAPDH", "MYC"],
            ensemblIds: ["ENSG00000141510.16", "ENSG00000146648", "", ""])
        XCTAssertEqual(l1000, [0, 1, 2])
        XCTAssertEqual(rnaseq, [0, 2, 3, 1])  // TP53 matched by Ensembl id (version dropped), EGFR by symbol
        XCTAssertEqual(vocabulary.symbols, ["TP53", "MYC", "EGFR", "GAPDH"])
        XCTAssertEqual(vocabulary.ensemblIds[2], "ENSG00000146648")
    }
}
