import Foundation
import PerturbTestSupport
import XCTest

@testable import PerturbBase

/// CRC-32C against published vectors, and the TFRecord framing and protobuf bytes of event records.
final class EventFileTests: XCTestCase {
    func testCRC32CMatchesKnownVectors() {
        XCTAssertEqual(CRC32C.checksum("123456789".utf8), 0xE306_9283)
        // RFC 3720 (iSCSI) appendix B.4.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(CRC32C.masked("123456789".utf8), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    /// A scalar event, byte by byte: Event{wall_time 1.5, step 300, summary{value{tag "a", simple_value 0.5}}}.
    func testScalarEventBytes() {
        let event = EventRecord.scalars([("a", 0.5)], step: 300, wallTime: 1.5)
        let expected: [UInt8] = [
            0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F,  // wall_time (double 1.5)
            0x10, 0xAC, 0x02,  // step 300 as a varint
            0x2A, 0x0A, 0x0A, 0x08,  // summary (10 bytes) { value (8 bytes) {
            0x0A, 0x01, 0x61,  // tag "a"
            0x15, 0, 0, 0, 0x3F,
        ]  // simple_value 0.5 } }
        XCTAssertEqual(event, expected)
        let framed = EventRecord.framed(event)
        XCTAssertEqual(framed.count, event.count + 16)
        XCTAssertEqual(Array(framed[0..<8]), [UInt8(event.count), 0, 0, 0, 0, 0, 0, 0])
        func u32(_ bytes: ArraySlice<UInt8>) -> UInt32 { bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        XCTAssertEqual(u32(framed[8..<12]), CRC32C.masked(framed[0..<8]))
        XCTAssertEqual(Array(framed[12..<(12 + event.count)]), event)
        XCTAssertEqual(u32(framed[(12 + event.count)...]), CRC32C.masked(event))
    }

    /// Each writer opens a new file, named after the seconds and the host, later in name order than the ones before.
    func testEachWriterOpensANewFileInNameOrder() throws {
        let dir = try temporaryDirectory("events")
        let first = try EventFileWriter(directory: dir)
        try first.scalars([("loss", 1)], step: 1)
        let second = try EventFileWriter(directory: dir, restartStep: 2)
        XCTAssertNotEqual(first.url, second.url)
        XCTAssertLessThan(first.url.lastPathComponent, second.url.lastPathComponent)
        XCTAssertTrue(first.url.lastPathComponent.hasPrefix("events.out.tfevents."))
        let bytes = try [UInt8](Data(contentsOf: first.url))
        // File version record ("brain.Event:2" in field 3), then the scalar event.
        let version = EventRecord.framed(EventRecord.fileVersion(wallTime: 0))
        XCTAssertEqual(
            bytes.count,
            version.count + EventRecord.framed(EventRecord.scalars([("loss", 1)], step: 1, wallTime: 0)).count)
        XCTAssertNotNil(String(decoding: bytes, as: UTF8.self).range(of: "brain.Event:2"))
    }
}
