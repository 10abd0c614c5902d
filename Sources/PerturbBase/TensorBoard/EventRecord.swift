import Foundation

/// The few `tensorflow.Event` protobuf messages an event file needs, hand-encoded (field numbers from
/// `tensorflow/core/util/event.proto` and `summary.proto`), and their TFRecord framing.
enum EventRecord {
    /// Event{wall_time = 1, step = 2, file_version = 3}: the first record of every event file.
    static func fileVersion(wallTime: Double) -> [UInt8] {
        var event = header(wallTime: wallTime, step: 0)
        appendBytes(field: 3, Array("brain.Event:2".utf8), to: &event)
        return event
    }

    /// Event{wall_time, step, summary = 5 {value = 1 {tag = 1, simple_value = 2}}}.
    static func scalars(_ values: [(tag: String, value: Float)], step: Int64, wallTime: Double) -> [UInt8] {
        var summary: [UInt8] = []
        for (tag, value) in values {
            var entry: [UInt8] = []
            appendBytes(field: 1, Array(tag.utf8), to: &entry)
            entry.append(2 << 3 | 5)  // field 2, 32-bit
            withUnsafeBytes(of: value.bitPattern.littleEndian) { entry.append(contentsOf: $0) }
            appendBytes(field: 1, entry, to: &summary)
        }
        var event = header(wallTime: wallTime, step: step)
        appendBytes(field: 5, summary, to: &event)
        return event
    }

    /// Event{wall_time, step, session_log = 7 {status = 1: START}}: tells TensorBoard the run restarted at `step`, so
    /// it drops events of a killed process at this step or later.
    static func sessionStart(step: Int64, wallTime: Double) -> [UInt8] {
        var event = header(wallTime: wallTime, step: step)
        appendBytes(field: 7, [1 << 3 | 0, 1], to: &event)
        return event
    }

    /// TFRecord framing: uint64 length, masked CRC-32C of the length bytes, the data, masked CRC-32C of the data
    /// (all little-endian).
    static func framed(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out += length
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { out.append(contentsOf: $0) }
        out += data
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    private static func header(wallTime: Double, step: Int64) -> [UInt8] {
        var event: [UInt8] = [1 << 3 | 1]  // field 1, 64-bit
        withUnsafeBytes(of: wallTime.bitPattern.littleEndian) { event.append(contentsOf: $0) }
        if step != 0 {
            event.append(2 << 3 | 0)  // field 2, varint
            appendVarint(UInt64(bitPattern: step), to: &event)
        }
        return event
    }

    private static func appendBytes(field: UInt64, _ bytes: [UInt8], to out: inout [UInt8]) {
        appendVarint(field << 3 | 2, to: &out)  // length-delimited
        appendVarint(UInt64(bytes.count), to: &out)
        out += bytes
    }

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
