import PerturbBase
import XCTest

@testable import PerturbTensor

final class TensorTests: XCTestCase {
    func testCopyOnWrite() {
        let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        var b = a
        XCTAssertTrue(a.storage === b.storage)
        b[0, 1] = 9
        XCTAssertEqual(a.scalars, [1, 2, 3, 4])
        XCTAssertEqual(b.scalars, [1, 9, 3, 4])
        XCTAssertFalse(a.storage === b.storage)
    }

    func testUniqueMutationDoesNotCopy() {
        var a = Tensor(shape: [3], repeating: 0)
        let before = a.storage.pointer
        a.fill(2)
        XCTAssertEqual(before, a.storage.pointer)
        XCTAssertEqual(a.scalars, [2, 2, 2])
    }

    func testShapesAndReshape() {
        let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.rows, 2); XCTAssertEqual(t.cols, 3)
        let r = t.reshaped([3, 2])
        XCTAssertEqual(r[2, 1], 6)
        XCTAssertEqual(Tensor(scalar: 5).rows, 1)
        XCTAssertEqual(Tensor(shape: [4], repeating: 0).cols, 4)
    }

    func testSeededInitIsDeterministic() {
        var r1 = SeededRNG(seed: 3), r2 = SeededRNG(seed: 3)
        XCTAssertEqual(Tensor.normal([10], rng: &r1), Tensor.normal([10], rng: &r2))
        let u = Tensor.uniform([1000], low: -2, high: 3, rng: &r1).scalars
        XCTAssertTrue(u.allSatisfy { $0 >= -2 && $0 < 3 })
    }

    func testPooledBuffersAreReused() {
        let n = 100_000
        var first: UnsafeMutablePointer<Float>?
        do { let t = Tensor(shape: [n], repeating: 1); first = t.storage.pointer }
        let again = Tensor(uninitializedShape: [n])
        XCTAssertEqual(again.storage.pointer, first)
    }
}
