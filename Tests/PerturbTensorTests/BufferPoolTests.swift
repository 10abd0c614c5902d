import XCTest

@testable import PerturbTensor

/// The tensor buffer pool: size classes, reuse of similar sizes, and its bounds.
final class BufferPoolTests: XCTestCase {
    func testCapacityClassesRoundUpByAtMostAnEighth() {
        XCTAssertEqual(BufferPool.capacity(for: 10), 10, "small requests are exact")
        XCTAssertEqual(BufferPool.capacity(for: 0), 1)
        for count in [16_384, 16_385, 20_000, 65_535, 65_536, 1_000_003, 40_896 * 256] {
            let c = BufferPool.capacity(for: count)
            XCTAssertGreaterThanOrEqual(c, count)
            XCTAssertLessThanOrEqual(Double(c), Double(count) * 1.125, "\(count) → \(c)")
            XCTAssertEqual(BufferPool.capacity(for: c), c, "a class maps to itself")
        }
    }

    func testReleasedBufferIsReusedForASimilarSize() {
        let pool = BufferPool()
        let (first, capacity) = pool.take(100_000)
        pool.give(first, capacity: capacity)
        let (again, reused) = pool.take(95_000)
        XCTAssertEqual(again, first, "a buffer up to 1.5× the request's class is reused")
        XCTAssertEqual(reused, capacity)
        pool.give(again, capacity: reused)
        let (other, small) = pool.take(40_000)
        XCTAssertNotEqual(other, first, "a buffer more than 1.5× the request is not handed out")
        XCTAssertLessThan(small, capacity)
        pool.give(other, capacity: small)
    }

    func testClassesUnusedForTheAgingWindowAreFreed() {
        let pool = BufferPool()
        let (old, oldCapacity) = pool.take(200_000)
        pool.give(old, capacity: oldCapacity)
        // Churn on another size for longer than the aging window.
        for _ in 0..<Int(pool.agingWindow) {
            let (p, c) = pool.take(50_000)
            pool.give(p, capacity: c)
        }
        XCTAssertEqual(pool.pooledBufferCount(capacity: oldCapacity), 0, "the idle class was freed")
        XCTAssertEqual(pool.pooledBufferCount(capacity: BufferPool.capacity(for: 50_000)), 1)
    }

    /// A tensor made with `pooled: false` (rows that wait in a shuffle buffer) goes back to malloc, not to the
    /// shared pool; a pooled one of the same size is kept for reuse.
    func testUnpooledTensorsBypassThePool() {
        let count = 777_777, capacity = BufferPool.capacity(for: count)
        let before = BufferPool.shared.pooledBufferCount(capacity: capacity)
        do {
            var row = Tensor(uninitializedShape: [count], pooled: false)
            row.mutablePointer().initialize(repeating: 2, count: count)
            XCTAssertEqual(row.scalars.reduce(0, +), Float(2 * count))
        }
        XCTAssertEqual(BufferPool.shared.pooledBufferCount(capacity: capacity), before, "unpooled: freed to malloc")
        do { _ = Tensor(uninitializedShape: [count]) }
        XCTAssertEqual(BufferPool.shared.pooledBufferCount(capacity: capacity), before + 1, "pooled: kept")
    }
}
