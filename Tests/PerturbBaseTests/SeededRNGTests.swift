import XCTest

@testable import PerturbBase

final class SeededRNGTests: XCTestCase {
    func testSameSeedSameStream() {
        var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42), c = SeededRNG(seed: 43)
        let xa = (0..<100).map { _ in a.next() }
        let xb = (0..<100).map { _ in b.next() }
        let xc = (0..<100).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
    }

    func testRestoreFromStateContinuesStream() throws {
        var a = SeededRNG(seed: 7)
        for _ in 0..<10 { _ = a.next() }
        let data = try JSONEncoder().encode(a)
        var b = try JSONDecoder().decode(SeededRNG.self, from: data)
        XCTAssertEqual((0..<20).map { _ in a.next() }, (0..<20).map { _ in b.next() })
    }

    func testUniformAndGaussianMoments() {
        var rng = SeededRNG(seed: 1)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0, gSum = 0.0, gSq = 0.0
        for _ in 0..<n {
            let u = Double(rng.nextFloat()); sum += u; sumSq += u * u
            let g = rng.nextGaussian(); gSum += g; gSq += g * g
        }
        XCTAssertEqual(sum / Double(n), 0.5, accuracy: 0.005)
        XCTAssertEqual(sumSq / Double(n) - 0.25, 1.0 / 12.0, accuracy: 0.002)
        XCTAssertEqual(gSum / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(gSq / Double(n), 1, accuracy: 0.02)
    }

    func testNextIntInRangeAndCoversAll() {
        var rng = SeededRNG(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 { let v = rng.nextInt(below: 7); XCTAssert((0..<7).contains(v)); seen.insert(v) }
        XCTAssertEqual(seen.count, 7)
    }
}
