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
}
