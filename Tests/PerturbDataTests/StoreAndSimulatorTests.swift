import PerturbBase
import PerturbChem
import PerturbTestSupport
import XCTest

@testable import PerturbData

final class StoreTests: XCTestCase {
    func sampleTable() -> EffectsTable {
        let aspirin = Compound(
            key: "BSYNRYMUTXBXSQ-UHFFFAOYSA-N", canonicalSmiles: "CC(=O)Oc1ccccc1C(=O)O", aliases: ["aspirin", "ASA"])
        let byName = Compound(key: Compound.nameKey("mystery"), canonicalSmiles: "", aliases: ["mystery"])
        let conditions = [
            Condition(dataset: "L1000", context: "A375", compounds: [aspirin.key], doseMicromolar: 10, timeHours: 24),
            Condition(
                dataset: "L1000", context: "A375", compounds: [aspirin.key, byName.key], doseMicromolar: 0,
                timeHours: nil),
            Condition(
                dataset: "bulk", context: "HepG2", compounds: [byName.key], doseMicromolar: nil, timeHours: 6,
                replicate: "P1:A03"),
        ]
        return EffectsTable(
            conditions: conditions, genes: ["TP53", "MYC"], geneEnsemblIds: ["ENSG00000141510", ""],
            logFC: [0.5, -1.25, 0, 2, 3.5, 0], measured: [true, true, false, true, true, false],
            compounds: [aspirin.key: aspirin, byName.key: byName],
            extraLayers: ["pvalue": [0.01, 0.2, .nan, 0.5, 1e-6, .nan]], replicateCounts: [3, 1, 1],
            provenance: ["source": "unit test"])
    }

    func testRoundTripAndStreaming() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("effects.h5ad")
        let table = sampleTable()
        try table.write(to: url)
        let back = try EffectsTable.read(url)
        XCTAssertEqual(back.conditions, table.conditions)
        XCTAssertEqual(back.genes, table.genes)
        XCTAssertEqual(back.geneEnsemblIds, table.geneEnsemblIds)
        XCTAssertEqual(back.logFC, table.logFC)
        XCTAssertEqual(back.measured, table.measured)
        XCTAssertEqual(back.compounds, table.compounds)
        XCTAssertEqual(back.replicateCounts, table.replicateCounts)
        XCTAssertEqual(back.provenance, table.provenance)
        XCTAssertEqual(back.extraLayers["pvalue"]![1], 0.2)
        XCTAssertTrue(back.extraLayers["pvalue"]![2].isNaN)
        XCTAssertEqual(back.datasets, ["L1000", "bulk"])

        let reader = try EffectsReader(url: url)
        XCTAssertEqual(reader.chunks(size: 2), [0..<2, 2..<3])
        let chunk = try reader.read(rows: 1..<3)
        XCTAssertEqual(chunk.conditions, Array(table.conditions[1..<3]))
        XCTAssertEqual(chunk.logFC, Array(table.logFC[2..<6]))
        XCTAssertEqual(Set(chunk.compounds.keys), Set(table.conditions[1].compounds))
    }

    func testPythonAnndataOpensEffectsFile() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("effects.h5ad")
        try sampleTable().write(to: url)
        let out = try Python.run(
            """
            import anndata, numpy as np
            a = anndata.read_h5ad('\(url.path)')
            print(a.shape, a.X.dtype, list(a.obs['dataset']), list(a.obs['dose_um'].round(3)), list(a.obs['log_dose']))
            print(a.obs['compounds'].iloc[1], a.obs['compound_smiles'].iloc[0], int(a.layers['measured'].sum()))
            print(list(a.uns['compounds']['key']), float(a.X[0, 1]))
            """)
        XCTAssertTrue(out.contains("(3, 2) float32 ['L1000', 'L1000', 'bulk']"), out)
        XCTAssertTrue(out.contains("[10.0, 0.0, nan]") && out.contains("[1.0, -5.0, 0.0]"), out)
        XCTAssertTrue(out.contains("BSYNRYMUTXBXSQ-UHFFFAOYSA-N|name:mystery CC(=O)Oc1ccccc1C(=O)O 4"), out)
        XCTAssertTrue(out.contains("-1.25"), out)
    }

    func testConcatenateUnionVocabularyWithMasks() throws {
        let a = EffectsTable(
            conditions: [Condition(dataset: "A", context: "x", compounds: [], doseMicromolar: nil, timeHours: nil)],
            genes: ["G1", "G2"], logFC: [1, 2], compounds: [:])
        let b = EffectsTable(
            conditions: [Condition(dataset: "B", context: "y", compounds: [], doseMicromolar: nil, timeHours: nil)],
            genes: ["G2", "G3"], logFC: [5, 6], compounds: [:])
        let both = EffectsTable.concatenate([a, b])
        XCTAssertEqual(both.genes, ["G1", "G2", "G3"])
        XCTAssertEqual(both.logFC, [1, 2, 0, 0, 5, 6])
        XCTAssertEqual(both.measured, [true, true, false, false, true, true])
        try both.validate()
    }

    func testRejectsNonFiniteAndForeignFiles() throws {
        var bad = sampleTable()
        bad.logFC[3] = .nan
        XCTAssertThrowsError(try bad.write(to: try temporaryDirectory().appendingPathComponent("x.h5ad"))) { error in
            XCTAssertTrue("\(error)".contains("non-finite logFC at row 1, gene 'MYC'"), "\(error)")
        }
    }
}

final class SimulatorTests: XCTestCase {
    func testDeterministicGivenSeed() throws {
        let config = SimulatorConfig.preset(.small)
        let a = try Simulator.run(config: config, seed: 7)
        let b = try Simulator.run(config: config, seed: 7)
        let c = try Simulator.run(config: config, seed: 8)
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(a.map(\.logFC), b.map(\.logFC))
        XCTAssertEqual(a.map(\.conditions), b.map(\.conditions))
        XCTAssertNotEqual(a[0].logFC, c[0].logFC)
        for table in a { try table.validate() }
        XCTAssertEqual(a[0].genes.count, 96)  // L1000-like: landmark panel
        XCTAssertEqual(a[1].genes.count, 160)  // bulk: every gene
        XCTAssertEqual(Set(a[2].contexts), ["B cells", "Myeloid cells", "T cells", "NK cells"])
        // Datasets share molecules (needed for cross-dataset hold-out).
        let shared = Set(a[0].usedCompoundKeys).intersection(a[2].usedCompoundKeys)
        XCTAssertGreaterThan(shared.count, 3)
    }

    /// Fingerprint-similar compounds must have more similar (noise-free-ish, bulk) effects than random pairs.
    func testFingerprintSimilarityCarriesSignal() throws {
        var config = SimulatorConfig.preset(.small)
        config.compoundCount = 120
        config.inactiveFraction = 0
        config.datasets = [
            SimulatedDatasetSpec(
                name: "bulk", assay: "bulk", contexts: ["HepG2"], panel: .all, compoundFraction: 1,
                dosesMicromolar: [100], timesHours: [48], replicates: 4, attenuation: 1, noise: 0.02)
        ]
        let output = try Simulator.simulate(config: config, seed: 3)
        let table = output.tables[0]
        let keys = table.conditions.map { $0.compounds[0] }
        let fps = try keys.map {
            try Morgan.fingerprint(smiles: table.compounds[$0]!.canonicalSmiles, options: MorganOptions())
        }
        func cosine(_ i: Int, _ j: Int) -> Double {
            let a = table.row(i), b = table.row(j)
            var ab = 0.0, aa = 0.0, bb = 0.0
            for (x, y) in zip(a, b) { ab += Double(x * y); aa += Double(x * x); bb += Double(y * y) }
            return ab / (aa * bb).squareRoot()
        }
        var similar: [Double] = [], all: [Double] = []
        for i in 0..<keys.count {
            for j in (i + 1)..<keys.count {
                let c = cosine(i, j)
                all.append(c)
                if Morgan.tanimoto(fps[i], fps[j]) >= 0.4 { similar.append(c) }
            }
        }
        let meanSimilar = similar.reduce(0, +) / Double(similar.count)
        let meanAll = all.reduce(0, +) / Double(all.count)
        XCTAssertGreaterThan(similar.count, 5)
        XCTAssertGreaterThan(
            meanSimilar, meanAll + 0.2, "similar \(meanSimilar) vs all \(meanAll) over \(similar.count) pairs")
    }
}
