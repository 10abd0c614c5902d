import Foundation
import XCTest

@testable import PerturbModel

final class BackgroundProducerTests: XCTestCase {
    private struct Damaged: Error, Equatable { let at: Int }

    /// Every item arrives in the order emitted, with a slow consumer and a slow producer alike, and the queue never
    /// holds more than `depth` items ahead of the consumer.
    func testItemsArriveInOrderAndTheProducerStaysWithinDepth() throws {
        for (producerDelay, consumerDelay) in [(0.0, 0.0005), (0.0005, 0.0)] {
            let emitted = Counter()
            let producer = BackgroundProducer<Int, String>(depth: 2, label: "test") { emit in
                for i in 0..<200 {
                    if producerDelay > 0 { Thread.sleep(forTimeInterval: producerDelay) }
                    emitted.increment()
                    guard emit(i) else { return "stopped" }
                }
                return "done"
            }
            var received: [Int] = []
            while let item = try producer.next() {
                // Taken so far, plus at most `depth` queued and one being emitted.
                XCTAssertLessThanOrEqual(emitted.value, received.count + 1 + 2 + 1)
                received.append(item)
                if consumerDelay > 0 { Thread.sleep(forTimeInterval: consumerDelay) }
            }
            XCTAssertEqual(received, Array(0..<200))
            XCTAssertEqual(try producer.finish(), "done")
            XCTAssertEqual(try producer.finish(), "done", "finish twice gives the same result")
        }
    }

    /// The producer's error reaches the consumer after every item emitted before it, from `next` and from `finish`.
    func testProducerErrorFollowsTheItemsBeforeIt() throws {
        let producer = BackgroundProducer<Int, Void>(depth: 1, label: "test") { emit in
            for i in 0..<5 { _ = emit(i) }
            throw Damaged(at: 5)
        }
        var received: [Int] = []
        do {
            while let item = try producer.next() { received.append(item) }
            XCTFail("the producer's error was not rethrown")
        } catch let error as Damaged {
            XCTAssertEqual(error, Damaged(at: 5))
        }
        XCTAssertEqual(received, [0, 1, 2, 3, 4])
        XCTAssertThrowsError(try producer.finish()) { XCTAssertEqual($0 as? Damaged, Damaged(at: 5)) }
    }

    /// A consumer that stops early releases a producer blocked on a full queue; later emits return false.
    func testFinishStopsABlockedProducer() throws {
        let producer = BackgroundProducer<Int, Int>(depth: 1, label: "test") { emit in
            var emitted = 0
            while emit(emitted) { emitted += 1 }
            return emitted
        }
        XCTAssertEqual(try producer.next(), 0)
        XCTAssertEqual(try producer.next(), 1)
        let stoppedAfter = try producer.finish()
        XCTAssertTrue((2...4).contains(stoppedAfter), "the producer ran \(stoppedAfter) items ahead with depth 1")
    }
}

/// A thread-safe count.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
