import Foundation

/// Writes files so that a reader never sees a half-written file and an existing file is never lost:
/// content goes to a temporary file in the same directory, is flushed, then renamed over the target.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating parent directories as needed.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { tmp in try data.write(to: tmp) }
    }

    /// Writes a UTF-8 string to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Lets `body` produce the file at a temporary path (for libraries such as HDF5 that write by path),
    /// then renames it over `url`. The temporary file is removed if `body` throws.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tmp = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try body(tmp)
            if let handle = FileHandle(forWritingAtPath: tmp.path) {
                try? handle.synchronize()
                try? handle.close()
            }
            try rename(tmp, to: url)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    /// Renames `source` over `destination` in one step (the last step of every atomic write); an error names the
    /// destination.
    public static func rename(_ source: URL, to destination: URL) throws {
        if Foundation.rename(source.path, destination.path) != 0 {
            throw InputError("cannot write \(destination.path): rename failed (\(String(cString: strerror(errno))))")
        }
    }
}
