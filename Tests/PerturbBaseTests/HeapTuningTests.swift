import XCTest

@testable import PerturbBase

#if canImport(Glibc)
    import Glibc
#endif

final class HeapTuningTests: XCTestCase {
    /// The user's `GLIBC_TUNABLES` thresholds stand; other tunables do not stop the tuning.
    func testUserThresholdsStand() {
        XCTAssertEqual(HeapTuning.settings(environment: [:]).map(\.value), [Int32.max, 32 << 20])
        XCTAssertEqual(
            HeapTuning.settings(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2"]).map(\.parameter), [-1, -3])
        XCTAssertTrue(
            HeapTuning.settings(environment: ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1000"]).isEmpty)
        XCTAssertTrue(
            HeapTuning.settings(environment: ["GLIBC_TUNABLES": "a=1:glibc.malloc.mmap_threshold=65536"]).isEmpty)
    }

    /// After tuning, a 20 MiB buffer freed and allocated again reuses its pages: the second round faults in
    /// almost none of its 5,120 pages (glibc's default maps and unmaps it each time, faulting all of them).
    func testFreedBufferIsReusedWithoutFreshPages() throws {
        #if canImport(Glibc)
            guard ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] == nil else {
                throw XCTSkip("GLIBC_TUNABLES is set: the user's malloc settings stand")
            }
            HeapTuning.keepFreedMemory()
            XCTAssertTrue(HeapTuning.isApplied)
            let bytes = 20 << 20
            func minorFaults() -> Int {
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                return usage.ru_minflt
            }
            func round() -> Int {
                let before = minorFaults()
                let p = malloc(bytes)!
                memset(p, 1, bytes)
                free(p)
                return minorFaults() - before
            }
            _ = round()
            let faults = round()
            XCTAssertLessThan(faults, bytes / 4096 / 20, "a reused 20 MiB buffer faulted in \(faults) fresh pages")
        #else
            throw XCTSkip("glibc only")
        #endif
    }
}
