import Foundation

/// Parallel loops over index ranges with a fixed partition, so results do not depend on scheduling.
public enum Parallel {
    /// Number of worker threads: `$PERTURBRIDGE_THREADS`, else the active processor count.
    public static var threadCount: Int {
        if let s = ProcessInfo.processInfo.environment["PERTURBRIDGE_THREADS"], let n = Int(s), n > 0 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// Runs `body(chunkRange)` over `0..<count` split into at most `threads` contiguous chunks.
    public static func forEachChunk(count: Int, threads: Int = Parallel.threadCount, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = max(1, min(threads, count))
        if chunks == 1 { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lo = count * chunk / chunks
            let hi = count * (chunk + 1) / chunks
            body(lo..<hi)
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count` on up to `threads` threads, each taking the next index when it is
    /// done: for items of uneven cost. Each item must compute its own result, so that the results do not depend on
    /// which thread ran which item.
    public static func forEachItem(count: Int, threads: Int = Parallel.threadCount, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        if workers == 1 { for i in 0..<count { body(i) }; return }
        let lock = NSLock()
        var next = 0
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let i = next
                next += 1
                lock.unlock()
                guard i < count else { return }
                body(i)
            }
        }
    }
}
