import PerturbBase
import XCTest

final class ParallelTests: XCTestCase {
    /// Every item runs exactly once, whatever the number of threads (items of uneven cost included).
    func testForEachItemRunsEveryItemOnce() {
        for threads in [1, 2, 3] {
            let lock = NSLock()
            var seen = [Int](repeating: 0, count: 50)
            Parallel.forEachItem(count: seen.count, threads: threads) { i in
                if i % 7 == 0 { usleep(1000) }
                lock.lock(); seen[i] += 1; lock.unlock()
            }
            XCTAssertEqual(seen, [Int](repeating: 1, count: 50), "\(threads) threads")
        }
        Parallel.forEachItem(count: 0, threads: 2) { _ in XCTFail("no items, no calls") }
    }
}
