import PerturbBase
import PerturbNN
import PerturbTensor
import XCTest

@testable import PerturbModel

/// The fused input layer equals the composition of engine ops, in value and in every gradient.
final class FusedInputTests: XCTestCase {
    func testFusedInputMatchesComposedOps() {
        for withGene in [true, false] {
            var rng = SeededRNG(seed: 3)
            let d = 5, b = 9
            let ds = Parameter(name: "ds", value: .normal([3, d], rng: &rng))
            let ctx = Parameter(name: "ctx", value: .normal([4, d], rng: &rng))
            let cpd = Parameter(name: "cpd", value: .normal([6, d], rng: &rng))
            let gene = Parameter(name: "gene", value: .normal([7, d], rng: &rng))
            let dw = Parameter(name: "dw", value: .normal([d, 1], rng: &rng)),
                db = Parameter(name: "db", value: .normal([d], rng: &rng))
            let tw = Parameter(name: "tw", value: .normal([d, 1], rng: &rng)),
                tb = Parameter(name: "tb", value: .normal([d], rng: &rng))
            let rows = LPMRowIndices(
                dataset: (0..<b).map { Int32($0 % 3) }, context: (0..<b).map { Int32(($0 * 7) % 4) },
                compoundRow: (0..<b).map { Int32(($0 * 5) % 6) },
                gene: withGene ? (0..<b).map { Int32(($0 * 3) % 7) } : nil,
                logDose: (0..<b).map { Float($0) * 0.3 - 1 }, time: (0..<b).map { Float($0 % 4) * 6 })
            let all = [ds, ctx, cpd, gene, dw, db, tw, tb]
            let seed = Tensor.normal([b, (withGene ? 6 : 5) * d], rng: &rng)

            func run(fused: Bool) -> (Tensor, [[Float]]) {
                for p in all { p.grad = nil }
                let g = Graph()
                let y: Var
                if fused {
                    y = lpmInput(
                        dataset: g.parameter(ds), context: g.parameter(ctx), compounds: g.parameter(cpd),
                        gene: withGene ? g.parameter(gene) : nil, doseWeight: g.parameter(dw),
                        doseBias: g.parameter(db),
                        timeWeight: g.parameter(tw), timeBias: g.parameter(tb), rows: rows)
                } else {
                    var parts = [
                        embedding(g.parameter(ds), indices: rows.dataset),
                        embedding(g.parameter(ctx), indices: rows.context),
                        embedding(g.parameter(cpd), indices: rows.compoundRow),
                    ]
                    if withGene { parts.append(embedding(g.parameter(gene), indices: rows.gene!)) }
                    parts.append(
                        linear(
                            g.input(Tensor(shape: [b, 1], values: rows.logDose)), weight: g.parameter(dw),
                            bias: g.parameter(db)))
                    parts.append(
                        linear(
                            g.input(Tensor(shape: [b, 1], values: rows.time)), weight: g.parameter(tw),
                            bias: g.parameter(tb)))
                    y = concat(parts)
                }
                g.backward(y, seed: seed)
                let grads = all.map { $0.grad?.scalars ?? [] }
                return (y.value, grads)
            }
            let (yf, gf) = run(fused: true)
            let (yc, gc) = run(fused: false)
            XCTAssertEqual(yf.shape, yc.shape)
            for (a, e) in zip(yf.scalars, yc.scalars) { XCTAssertEqual(a, e, accuracy: 1e-5) }
            for (k, (a, e)) in zip(gf, gc).enumerated() {
                XCTAssertEqual(a.count, e.count, "gradient \(all[k].name)")
                for (x, y) in zip(a, e) { XCTAssertEqual(x, y, accuracy: 1e-4, "gradient \(all[k].name)") }
            }
            XCTAssertTrue(gf[3].isEmpty == !withGene)
        }
    }
}
