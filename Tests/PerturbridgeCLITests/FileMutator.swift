import Foundation
import PerturbBase

/// Seeded damage of a file's bytes, the way downloads and disks damage them: a truncation, flipped bytes, a zeroed
/// range, or a block copied over another place. The same (seed, case) always gives the same damage; half of the
/// offsets fall in the first 64 KiB, where HDF5 keeps most of its metadata. `scripts/mutate-inputs.py` does the
/// same kinds of damage for the longer runs.
struct FileMutator {
    let original: [UInt8]

    /// A damaged copy for case `index` with `seed`, and a description of the damage for failure messages.
    func variant(seed: UInt64, index: Int) -> (bytes: [UInt8], description: String) {
        var rng = SeededRNG(seed: seed, stream: UInt64(index))
        var bytes = original
        let size = bytes.count
        guard size > 1 else { return ([], "truncate at 0") }
        func offset() -> Int {
            rng.nextDouble() < 0.5 ? Int(rng.next() % UInt64(min(size, 1 << 16))) : Int(rng.next() % UInt64(size))
        }
        switch rng.next() % 4 {
        case 0:
            let at = offset()
            return (Array(bytes[..<at]), "truncate at \(at)")
        case 1:
            let positions = (0..<(1 + Int(rng.next() % 16))).map { _ in offset() }
            for p in positions { bytes[p] ^= UInt8(1 + rng.next() % 255) }
            return (bytes, "flip bytes at \(positions.map(String.init).joined(separator: ","))")
        case 2:
            let at = offset()
            let length = min(size - at, [1, 8, 64, 512, 4096, 65536][Int(rng.next() % 6)])
            bytes.replaceSubrange(at..<(at + length), with: repeatElement(0, count: length))
            return (bytes, "zero \(length) bytes at \(at)")
        default:
            let source = offset(), target = offset()
            let length = min(size - source, size - target, [8, 64, 512, 4096][Int(rng.next() % 4)])
            bytes.replaceSubrange(target..<(target + length), with: original[source..<(source + length)])
            return (bytes, "copy \(length) bytes from \(source) to \(target)")
        }
    }
}
