import Foundation
import PerturbBase

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the raw bytes of contiguous, unfiltered datasets straight from the file with `pread`, split across
/// threads for large reads. HDF5 itself (serial build) cannot read in parallel; for such datasets its read is a
/// plain copy of the same bytes, so this gives identical values with the page-cache copy spread over cores.
enum H5DirectRead {
    /// Starts the OS reading `bytes` bytes at `offset` of `path` into the page cache in the background (a hint:
    /// failures are ignored, the later read reports them).
    static func adviseWillNeed(path: String, offset: UInt64, bytes: Int) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = posix_fadvise(fd, off_t(offset), off_t(bytes), POSIX_FADV_WILLNEED)
        close(fd)
    }

    /// Reads `bytes` bytes at `offset` of `path` into `pointer`; throws naming the file when it ends early.
    static func read(
        path: String, location: String, offset: UInt64, bytes: Int, into pointer: UnsafeMutableRawPointer
    ) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw FormatError(
                file: path, location: location, message: "cannot open for reading: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let minimumPart = 8 << 20
        let parts = max(1, min(Parallel.threadCount, bytes / minimumPart))
        let lock = NSLock()
        var failure: FormatError?
        Parallel.forEachChunk(count: parts, threads: parts) { range in
            for part in range {
                let low = bytes * part / parts
                let high = bytes * (part + 1) / parts
                var done = low
                while done < high {
                    let got = pread(fd, pointer + done, high - done, off_t(offset) + off_t(done))
                    if got > 0 { done += got; continue }
                    if got < 0 && errno == EINTR { continue }
                    let reason =
                        got == 0
                        ? "the file ends before the data: it is truncated (incomplete copy or download?)"
                        : "read failed: \(String(cString: strerror(errno)))"
                    lock.lock()
                    failure = FormatError(file: path, location: location, message: reason)
                    lock.unlock()
                    return
                }
            }
        }
        if let failure { throw failure }
    }
}
