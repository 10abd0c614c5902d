import Foundation
import PerturbBase
import PerturbData

/// Where training and prediction read conditions from: an in-memory `EffectsTable`, or an `EffectsReader` that
/// streams an effects `.h5ad` by row ranges so that data larger than memory never has to be loaded whole. A new kind
/// of source is one new conformance; the trainer, the corpus index and the run record only use this protocol.
public protocol ConditionSource: AnyObject {
    var conditions: [Condition] { get }
    var genes: [String] { get }
    var compounds: [String: Compound] { get }
    /// A name for messages: the file path, or "in-memory table".
    var sourceName: String { get }
    /// The rows' gene panels when the source stores them (nil: use `measured(rows:)`).
    var panels: GenePanels? { get }
    /// The measured mask of `rows`, row-major `rows × genes` (for files, without reading logFC).
    func measured(rows: Range<Int>) throws -> [Bool]
    /// Calls `body` with the logFC of `rows`, row-major `rows × genes`. A file is read straight into `buffer`, which
    /// grows as needed and is meant to be reused from call to call (no fresh pages per block).
    func withLogFC(rows: Range<Int>, buffer: inout [Float], _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws
    /// Tells the source that `withLogFC(rows:)` comes soon, so a file can be read ahead into the page cache while
    /// the caller computes (a hint; returns at once).
    func willReadLogFC(rows: Range<Int>)
    /// What identifies the data in `DataFingerprint`: mixed into the hash by `mix`.
    func fingerprint(_ mix: (UnsafeRawBufferPointer) -> Void)
}

/// An in-memory table as a source (tests, `Trainer.fit(data:)`, evaluations that build tables).
public final class TableSource: ConditionSource {
    public let table: EffectsTable

    public init(_ table: EffectsTable) { self.table = table }

    public var conditions: [Condition] { table.conditions }
    public var genes: [String] { table.genes }
    public var compounds: [String: Compound] { table.compounds }
    public var sourceName: String { "in-memory table" }
    public var panels: GenePanels? { nil }

    public func measured(rows: Range<Int>) throws -> [Bool] {
        let g = table.genes.count
        return Array(table.measured[(rows.lowerBound * g)..<(rows.upperBound * g)])
    }

    public func withLogFC(
        rows: Range<Int>, buffer: inout [Float],
        _ body: (UnsafeBufferPointer<Float>) throws -> Void
    ) throws {
        let g = table.genes.count
        try table.logFC[(rows.lowerBound * g)..<(rows.upperBound * g)].withUnsafeBufferPointer(body)
    }

    /// Nothing to read ahead: the table is in memory.
    public func willReadLogFC(rows: Range<Int>) {}

    /// The condition ids and the logFC bytes.
    public func fingerprint(_ mix: (UnsafeRawBufferPointer) -> Void) {
        for c in table.conditions { Array(c.id.utf8).withUnsafeBytes(mix) }
        table.logFC.withUnsafeBytes(mix)
    }
}

extension EffectsReader: ConditionSource {
    public var sourceName: String { url.path }

    public func willReadLogFC(rows: Range<Int>) { adviseWillNeedLogFC(rows: rows) }

    public func withLogFC(
        rows: Range<Int>, buffer: inout [Float],
        _ body: (UnsafeBufferPointer<Float>) throws -> Void
    ) throws {
        let n = rows.count * genes.count
        if buffer.count < n { buffer = [Float](repeating: 0, count: n) }
        try buffer.withUnsafeMutableBytes { try readLogFC(rows: rows, into: $0) }
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
    }

    /// The file's name, size and modification time (not its bytes: corpora are gigabytes).
    public func fingerprint(_ mix: (UnsafeRawBufferPointer) -> Void) {
        let attributes = (try? FileManager.default.attributesOfItem(atPath: url.path)) ?? [:]
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        Array("\(url.lastPathComponent)|\(size)|\(mtime)".utf8).withUnsafeBytes(mix)
    }
}
