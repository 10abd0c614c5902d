import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbIO

/// Variable-length strings whose global heap is damaged give a `FormatError` naming the dataset before libhdf5
/// follows the references (which overflows the heap, dereferences NULL or loops in libhdf5 1.10.8).
final class H5HeapReferenceTests: XCTestCase {
    private let strings = ["alpha", "beta", "gamma"]

    /// A file with the dataset `/s` holding `strings` (uncompressed or deflated chunks), as bytes.
    private func file(compression: H5Compression) throws -> (url: URL, bytes: [UInt8]) {
        let url = try temporaryDirectory("heap").appendingPathComponent("heap.h5")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        do {
            let file = try H5File(creating: url)
            _ = try file.writeStrings("s", strings, compression: compression)
            try file.flush()
        }
        return (url, [UInt8](try Data(contentsOf: url)))
    }

    /// Byte offset of the first global heap collection and of the header of its object `index` (objects are
    /// written in order: index 1 holds `strings[0]`).
    private func objectHeader(_ bytes: [UInt8], index: Int) throws -> Int {
        let signature = Array("GCOL".utf8)
        let start = try XCTUnwrap((0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == signature })
        var p = start + 16
        for k in 0..<(index - 1) { p += 16 + (strings[k].utf8.count + 7) / 8 * 8 }
        XCTAssertEqual(Int(bytes[p]), index, "object \(index) not where expected")
        return p
    }

    private func read(_ bytes: [UInt8], at url: URL) throws -> [String] {
        try Data(bytes).write(to: url)
        return try H5File(openForReading: url).dataset("s").readStrings()
    }

    func testUndamagedStringsRead() throws {
        for compression in [H5Compression.none, .gzip(level: 4)] {
            let (url, bytes) = try file(compression: compression)
            XCTAssertEqual(try read(bytes, at: url), strings, "\(compression)")
        }
    }

    func testDamagedHeapIsAFormatError() throws {
        for compression in [H5Compression.none, .gzip(level: 4)] {
            let (url, original) = try file(compression: compression)
            let header = try objectHeader(original, index: 1), collection = header - 16
            let damages: [(String, (inout [UInt8]) -> Void)] = [
                ("past the collection's end", { $0[header + 9] = 0x40 }),
                ("has no such object", { $0[header] = 9 }),
                ("has 5 bytes but its global heap object 1", { $0[header + 8] = 4 }),
                ("has no valid signature", { $0[collection] = UInt8(ascii: "X") }),
            ]
            for (expected, damage) in damages {
                var bytes = original
                damage(&bytes)
                XCTAssertThrowsError(try read(bytes, at: url), "\(compression): \(expected)") { error in
                    guard let error = error as? FormatError else { return XCTFail("not a FormatError: \(error)") }
                    XCTAssertEqual(error.location, "/s")
                    let message = error.message
                    XCTAssertTrue(message.contains(expected) && message.contains("damaged"), error.description)
                }
            }
        }
    }
}
