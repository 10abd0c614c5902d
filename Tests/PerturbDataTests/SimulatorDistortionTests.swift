import PerturbBase
import XCTest

@testable import PerturbData

/// The realistic preset's assay distortions: the saturating response keeps signs and bounds magnitudes, context
/// programs are shared by a context's compounds, p-value layers are consistent, and the default preset is untouched.
final class SimulatorDistortionTests: XCTestCase {
    func testSaturationKeepsSignsAndBoundsMagnitudes() {
        let distortion = AssayDistortion(SimulatedDistortions(saturation: 0.5), genes: 50, seed: 3, dataset: "d")
        for gene in 0..<50 {
            var previous = -Double.infinity
            for y in stride(from: -4.0, through: 4.0, by: 0.25) {
                let f = distortion.respond(y, gene: gene)
                XCTAssertEqual(f.sign, y.sign, "gene \(gene), y \(y)")
                // Strictly increasing where tanh has not yet reached 1 in double precision, never decreasing.
                if abs(y) <= 1 {
                    XCTAssertGreaterThan(f, previous, "increasing")
                } else {
                    XCTAssertGreaterThanOrEqual(f, previous, "monotone")
                }
                previous = f
            }
            // s_g = 0.5·exp(N(0, 0.5²)): the largest response is the gene's saturation level, well below 4.
            XCTAssertLessThan(abs(distortion.respond(4, gene: gene)), 0.5 * exp(2.5))
        }
        let linear = AssayDistortion(SimulatedDistortions(), genes: 3, seed: 3, dataset: "d")
        XCTAssertEqual(linear.respond(2.5, gene: 1), 2.5)
        XCTAssertEqual(linear.contextProgram("A549"), [0, 0, 0])
    }

    func testRealisticPresetAddsProgramsAndPValuesButTheDefaultIsUnchanged() throws {
        XCTAssertTrue(SimulatorConfig.preset(.default).datasets.allSatisfy { $0.distortions == SimulatedDistortions() })
        var config = SimulatorConfig.preset(.realistic)
        config.compoundCount = 30
        config.datasets = Array(config.datasets.prefix(2))
        let tables = try Simulator.run(config: config, seed: 5)
        for table in tables {
            let p = try XCTUnwrap(table.extraLayers["pvalue"]), adj = try XCTUnwrap(table.extraLayers["adj_pvalue"])
            XCTAssertEqual(p.count, table.logFC.count)
            XCTAssertTrue(
                zip(p, adj).allSatisfy { $0 >= 0 && $0 <= 1 && $1 >= $0 - 1e-7 && $1 <= 1 }, table.conditions[0].dataset
            )
            XCTAssertGreaterThan(
                adj.filter { $0 < 0.05 }.count, p.count / 100, "some values are DE at adjusted P < 0.05")
        }
        // The context program: two compounds of one context share it, so their profiles correlate more than two
        // compounds of different contexts of the same dataset.
        let l1000 = tables[0], g = l1000.geneCount
        func profile(_ r: Int) -> [Double] { (0..<g).map { Double(l1000.logFC[r * g + $0]) } }
        func correlation(_ a: [Double], _ b: [Double]) -> Double {
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            var ab = 0.0, aa = 0.0, bb = 0.0
            for (x, y) in zip(a, b) { ab += (x - ma) * (y - mb); aa += (x - ma) * (x - ma); bb += (y - mb) * (y - mb) }
            return ab / (aa * bb).squareRoot()
        }
        let rows = l1000.conditions.indices
        let context0 = rows.filter {
            l1000.conditions[$0].context == config.datasets[0].contexts[0] && l1000.conditions[$0].doseMicromolar == 10
        }
        let context1 = rows.filter {
            l1000.conditions[$0].context == config.datasets[0].contexts[1] && l1000.conditions[$0].doseMicromolar == 10
        }
        var same = 0.0, different = 0.0
        let pairs = min(context0.count, context1.count) - 1
        XCTAssertGreaterThan(pairs, 10)
        for i in 0..<pairs {
            same += correlation(profile(context0[i]), profile(context0[i + 1]))
            different += correlation(profile(context0[i]), profile(context1[i + 1]))
        }
        XCTAssertGreaterThan(
            same / Double(pairs), different / Double(pairs) + 0.05, "same-context profiles share the context program")
    }
}
