import CZlib
import Foundation
import PerturbBase

/// Reads text files that may be gzip-compressed (detected from the content, not the name) through zlib, which
/// passes plain files through unchanged.
public enum TextFile {
    /// The whole file as bytes, decompressed when it is gzip. Errors name the file.
    public static func readBytes(_ url: URL) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw InputError("\(url.path): file not found") }
        guard let handle = gzopen(url.path, "rb") else { throw InputError("\(url.path): cannot open for reading") }
        defer { gzclose(handle) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(handle, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(handle, &code).map { String(cString: $0) } ?? "read error"
                throw InputError("\(url.path): cannot read (\(message); truncated or corrupt gzip?)")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        return out
    }

    /// The records of a tab-separated file (gzip or plain; no quoting), header first, each split into fields;
    /// a trailing `\r` is dropped and the last empty line ignored.
    public static func readTSV(_ url: URL) throws -> [[String]] {
        let bytes = try readBytes(url)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { line in
            var line = line
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            return line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
    }

    /// Writes `bytes` atomically; gzip-compressed (zlib, level 6) when the file name ends in `.gz`.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        guard url.pathExtension == "gz" else { return try AtomicFile.write(Data(bytes), to: url) }
        try AtomicFile.write(to: url) { tmp in
            guard let handle = gzopen(tmp.path, "wb6") else { throw InputError("\(url.path): cannot open for writing") }
            var offset = 0
            while offset < bytes.count {
                let count = min(1 << 20, bytes.count - offset)
                let written = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress! + offset, UInt32(count)) }
                guard written == Int32(count) else {
                    gzclose(handle)
                    throw InputError("\(url.path): cannot write (disk full?)")
                }
                offset += count
            }
            guard gzclose(handle) == Z_OK else { throw InputError("\(url.path): cannot finish the gzip stream") }
        }
    }
}
