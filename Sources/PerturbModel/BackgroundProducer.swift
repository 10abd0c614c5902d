import Foundation

/// Runs a producer on its own thread, handing what it emits to the consumer in order through a queue of at most
/// `depth` items: the producer works ahead (reading, batching) while the consumer computes, and blocks when the
/// consumer falls `depth` items behind, so memory stays bounded. The items and their order are whatever the producer
/// emits, independent of timing, so a deterministic producer gives a deterministic stream.
///
/// The consumer takes items with `next()` and must call `finish()` (also on its error paths: `defer`), which stops
/// the producer at its next emit (`emit` returns `false` from then on), waits for it to return and gives its result.
/// An error the producer throws reaches the consumer after every item emitted before it.
final class BackgroundProducer<Item, Result>: @unchecked Sendable {
    private let condition = NSCondition()
    private let depth: Int
    private var queue: [Item] = []
    private var stopped = false
    private var outcome: Swift.Result<Result, Error>?

    /// Starts `produce` on a new thread named `label`; it emits items with the function it is given, which returns
    /// whether the consumer still wants them.
    init(depth: Int, label: String, _ produce: @escaping (_ emit: (Item) -> Bool) throws -> Result) {
        precondition(depth >= 1, "BackgroundProducer needs a queue of at least 1 item, got \(depth)")
        self.depth = depth
        let thread = Thread { [self] in
            let result = Swift.Result { try produce(emit) }
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
        }
        thread.name = label
        // Secondary threads get 512 KiB by default; the producer runs whole file readers.
        thread.stackSize = 16 << 20
        thread.start()
    }

    private func emit(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && !stopped { condition.wait() }
        guard !stopped else { return false }
        queue.append(item)
        condition.broadcast()
        return true
    }

    /// The next item in the order emitted; `nil` once the producer has returned and everything was taken. Rethrows
    /// the producer's error after the items emitted before it.
    func next() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && outcome == nil { condition.wait() }
        if !queue.isEmpty {
            condition.broadcast()
            return queue.removeFirst()
        }
        if case .failure(let error) = outcome! { throw error }
        return nil
    }

    /// Stops the producer (items not taken are dropped, later emits return `false`), waits until it has returned and
    /// gives its result or rethrows its error. Calling it again gives the same outcome.
    @discardableResult
    func finish() throws -> Result {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        queue.removeAll()
        condition.broadcast()
        while outcome == nil { condition.wait() }
        return try outcome!.get()
    }
}
