import Foundation

/// A TensorBoard event file (`events.out.tfevents.<unix seconds>.<hostname>`): TFRecord-framed `tensorflow.Event`
/// protobufs that `tensorboard --logdir` and `EventAccumulator` read.
///
/// Each process start opens a new file in the folder (as TensorBoard expects of a resumed run); its seconds are
/// above those of every event file already there, so name order is write order. Records go straight to the file
/// with one `write` each: a killed process leaves whole records, or at worst a truncated last one, which readers skip.
/// Event files are append-only logs by design, so they are the one output not written through `AtomicFile`.
public final class EventFileWriter {
    /// The event file.
    public let url: URL
    private let handle: FileHandle

    /// Creates a new event file in `directory` (created if needed) and writes its `brain.Event:2` version record.
    /// `restartStep` (when resuming) records a session START at that step: TensorBoard then discards the events
    /// an interrupted process logged at that step or later.
    public init(directory: URL, restartStep: Int? = nil) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let prefix = "events.out.tfevents."
        let existing = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        let latest = existing.filter { $0.hasPrefix(prefix) }
            .compactMap { Int($0.dropFirst(prefix.count).prefix { $0.isNumber }) }.max()
        let seconds = max(Int(Date().timeIntervalSince1970), (latest ?? -1) + 1)
        url = directory.appendingPathComponent("\(prefix)\(seconds).\(EventFileWriter.hostname)")
        guard fm.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
            throw InputError("cannot create the TensorBoard event file \(url.path)")
        }
        self.handle = handle
        try write(EventRecord.fileVersion(wallTime: Date().timeIntervalSince1970))
        if let restartStep {
            try write(EventRecord.sessionStart(step: Int64(restartStep), wallTime: Date().timeIntervalSince1970))
        }
    }

    deinit { try? handle.close() }

    /// Writes one event holding scalar summaries (`simple_value`, float32) at `step`.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int) throws {
        guard !values.isEmpty else { return }
        try write(
            EventRecord.scalars(
                values.map { ($0.tag, Float($0.value)) }, step: Int64(step),
                wallTime: Date().timeIntervalSince1970))
    }

    private func write(_ event: [UInt8]) throws {
        do { try handle.write(contentsOf: Data(EventRecord.framed(event))) } catch {
            throw InputError("cannot write the TensorBoard event file \(url.path): \(error.localizedDescription)")
        }
    }

    /// This machine's host name (`gethostname`), "localhost" when it has none.
    private static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }
}
