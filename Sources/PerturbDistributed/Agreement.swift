import Foundation
import PerturbBase

extension Communicator {
    /// Runs `body` on every rank and succeeds only when it succeeded on every rank: the rank that failed rethrows its
    /// own error, the others throw an `InputError` naming the failed ranks. Put it before the first file a run
    /// writes, so a failure on any rank leaves nothing written. One sum of `size` doubles.
    public func collectively<T>(_ what: String, _ body: () throws -> T) throws -> T {
        let result: Result<T, Error>
        do { result = .success(try body()) } catch { result = .failure(error) }
        guard size > 1 else { return try result.get() }
        var failed = [Double](repeating: 0, count: size)
        if case .failure = result { failed[rank] = 1 }
        allreduceSum(&failed)
        let failedRanks = failed.indices.filter { failed[$0] > 0 }
        if case .failure(let error) = result { throw error }
        guard failedRanks.isEmpty else {
            throw InputError(
                "rank \(rank) of \(size): \(what) failed on rank\(failedRanks.count > 1 ? "s" : "") \(failedRanks.map(String.init).joined(separator: ", ")) (its message says why); nothing was written"
            )
        }
        return try result.get()
    }

    /// Throws unless every rank holds the same `items` as rank 0 (same keys, same values, same order). The rank that
    /// differs names the first key that differs with both values; the others name the ranks that differ. Rank 0's
    /// items are broadcast as text (tabs and newlines in them escaped), then one sum of `size` doubles tells every
    /// rank who differs, so all ranks throw together.
    public func requireAgreement(_ items: [(key: String, value: String)], about what: String) throws {
        guard size > 1 else { return }
        func escaped(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
                .replacingOccurrences(of: "\n", with: "\\n")
        }
        let items = items.map { (key: escaped($0.key), value: escaped($0.value)) }
        let text = items.map { "\($0.key)\t\($0.value)" }.joined(separator: "\n")
        let rootText = String(decoding: broadcast(bytes: Array(text.utf8), root: 0), as: UTF8.self)
        let rootItems: [(key: String, value: String)] =
            rootText.isEmpty
            ? []
            : rootText.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }
        var difference: String? = nil
        for i in 0..<max(items.count, rootItems.count) {
            let mine = i < items.count ? items[i] : nil, theirs = i < rootItems.count ? rootItems[i] : nil
            if mine?.key == theirs?.key && mine?.value == theirs?.value { continue }
            if let mine, let theirs, mine.key == theirs.key {
                difference = "\(mine.key): rank 0 has \(theirs.value), rank \(rank) has \(mine.value)"
            } else {
                difference =
                    "\(mine?.key ?? theirs?.key ?? ""): present on \(mine == nil ? "rank 0" : "rank \(rank)") only"
            }
            break
        }
        var differs = [Double](repeating: 0, count: size)
        if difference != nil { differs[rank] = 1 }
        allreduceSum(&differs)
        if let difference {
            throw InputError(
                "rank \(rank) of \(size) disagrees with rank 0 on \(what) — \(difference); start every rank with the same config, flags and files (nothing was written)"
            )
        }
        let differing = differs.indices.filter { differs[$0] > 0 }
        guard differing.isEmpty else {
            throw InputError(
                "rank \(rank) of \(size): rank\(differing.count > 1 ? "s" : "") \(differing.map(String.init).joined(separator: ", ")) disagree\(differing.count > 1 ? "" : "s") with rank 0 on \(what) (its message says what differs); nothing was written"
            )
        }
    }
}
