import PerturbBase

/// Damage to a file's bytes the way downloads, disks and careless tools damage them: a truncation, flipped bits or
/// bytes, a zeroed range, a block copied over another place, inserted bytes, or a header-sized field overwritten
/// with a boundary value (0, -1, 2^31, 2^63 ...). Half of the offsets fall in the first 64 KiB, where HDF5 keeps
/// most of its metadata and text formats their headers.
enum ByteMutator {
    /// Applies one seeded mutation to `bytes`; returns a short description for failure reports.
    static func mutate(_ bytes: inout [UInt8], rng: inout SeededRNG) -> String {
        let size = bytes.count
        guard size > 1 else {
            bytes = [UInt8(truncatingIfNeeded: rng.next())]
            return "replace with one byte"
        }
        func offset() -> Int {
            rng.nextDouble() < 0.5 ? rng.nextInt(below: min(size, 1 << 16)) : rng.nextInt(below: size)
        }
        switch rng.nextInt(below: 8) {
        case 0:
            let at = offset()
            bytes.removeSubrange(at...)
            return "truncate at \(at)"
        case 1:
            let positions = (0..<(1 + rng.nextInt(below: 16))).map { _ in offset() }
            for p in positions { bytes[p] ^= UInt8(1) << UInt8(rng.nextInt(below: 8)) }
            return "flip bits at \(positions.map(String.init).joined(separator: ","))"
        case 2:
            let positions = (0..<(1 + rng.nextInt(below: 16))).map { _ in offset() }
            for p in positions { bytes[p] ^= UInt8(1 + rng.nextInt(below: 255)) }
            return "change bytes at \(positions.map(String.init).joined(separator: ","))"
        case 3:
            let at = offset()
            let length = min(size - at, [1, 8, 64, 512, 4096, 65536][rng.nextInt(below: 6)])
            bytes.replaceSubrange(at..<(at + length), with: repeatElement(0, count: length))
            return "zero \(length) bytes at \(at)"
        case 4:
            let source = offset(), target = offset()
            let length = min(size - source, size - target, [8, 64, 512, 4096][rng.nextInt(below: 4)])
            bytes.replaceSubrange(target..<(target + length), with: Array(bytes[source..<(source + length)]))
            return "copy \(length) bytes from \(source) to \(target)"
        case 5:
            let at = offset()
            let length = [1, 4, 8, 100, 4096][rng.nextInt(below: 5)]
            let inserted = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            bytes.insert(contentsOf: inserted, at: at)
            return "insert \(length) random bytes at \(at)"
        case 6:
            let source = offset(), target = offset()
            let length = min(size - source, [8, 64, 512][rng.nextInt(below: 3)])
            bytes.insert(contentsOf: Array(bytes[source..<(source + length)]), at: target)
            return "insert a copy of \(length) bytes from \(source) at \(target)"
        default:
            let width = [1, 2, 4, 8][rng.nextInt(below: 4)]
            let at = offset()
            guard at + width <= size else { bytes.removeSubrange(at...); return "truncate at \(at)" }
            let value = boundaryValues[rng.nextInt(below: boundaryValues.count)]
            for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            return "write \(width)-byte value \(value) at \(at)"
        }
    }

    /// Values that sit on size and sign boundaries, written little-endian over length and offset fields.
    private static let boundaryValues: [UInt64] = [
        0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000,
        0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, UInt64.max, UInt64.max - 1,
    ]
}
