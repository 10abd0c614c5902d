extension Communicator {
    /// The contiguous slice of `count` items (a global batch) that rank `rank` of `size` takes: ranks in order, each
    /// ⌊count / size⌋ or one more item; some slices are empty when `count < size`.
    public static func share(of count: Int, rank: Int, among size: Int) -> Range<Int> {
        precondition(size > 0 && (0..<size).contains(rank), "rank \(rank) outside 0..<\(size)")
        return (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// Rank `rank`'s slice of `count` items.
    public func share(of count: Int, rank: Int) -> Range<Int> { Self.share(of: count, rank: rank, among: size) }

    /// This rank's slice of `count` items.
    public func share(of count: Int) -> Range<Int> { share(of: count, rank: rank) }
}
