import CRDKitBridge
import Foundation
import PerturbBase

/// An RDKit Morgan generator for one set of options (Python `rdFingerprintGenerator.GetMorganGenerator`).
///
/// Create one per thread and reuse it for many molecules; `Morgan.batch` does this for you.
public final class MorganGenerator {
    let handle: OpaquePointer
    public let options: MorganOptions

    /// Throws `InputError` for a radius outside 0...16 or a size outside 1...16,777,216 bits.
    public init(options: MorganOptions) throws {
        _ = Bridge.initialized
        guard (0...16).contains(options.radius), options.bits > 0, options.bits <= 1 << 24 else {
            throw InputError(
                "Morgan options: radius must be 0...16 and bits 1...16777216 (got radius \(options.radius), bits \(options.bits))"
            )
        }
        var pointer: OpaquePointer?
        try Bridge.call(smiles: "") {
            pb_morgan_generator_new(
                UInt32(options.radius), UInt32(options.bits), options.useChirality ? 1 : 0, &pointer, $0, $1)
        }
        handle = pointer!
        self.options = options
    }

    deinit { pb_morgan_generator_free(handle) }

    /// Folded Morgan bit vector of `molecule`.
    public func bits(_ molecule: Molecule) throws -> Fingerprint {
        var fingerprint = Fingerprint(bits: options.bits)
        let count = fingerprint.words.count
        try fingerprint.words.withUnsafeMutableBufferPointer { words in
            try Bridge.call(smiles: molecule.smiles) {
                pb_morgan_bits(handle, molecule.handle, words.baseAddress, count, $0, $1)
            }
        }
        return fingerprint
    }

    /// Folded Morgan count vector of `molecule` (length `options.bits`).
    public func counts(_ molecule: Molecule) throws -> [UInt32] {
        var counts = [UInt32](repeating: 0, count: options.bits)
        try counts.withUnsafeMutableBufferPointer { buffer in
            try Bridge.call(smiles: molecule.smiles) {
                pb_morgan_counts(handle, molecule.handle, buffer.baseAddress, buffer.count, $0, $1)
            }
        }
        return counts
    }
}

/// Morgan fingerprints, bit-identical to RDKit Python's `GetMorganGenerator(radius, fpSize)`.
///
/// Fingerprints are computed on the molecule as written (all fragments), like `Chem.MolFromSmiles` followed by
/// the generator; strip salts first (`Chem.identity(...).canonicalSmiles`) when a parent compound is wanted.
public enum Morgan {
    /// Folded Morgan bit vector of `smiles`. Throws `ChemError` for invalid SMILES.
    public static func fingerprint(smiles: String, options: MorganOptions) throws -> Fingerprint {
        try MorganGenerator(options: options).bits(Molecule(smiles: smiles))
    }

    /// Folded Morgan count vector (`GetCountFingerprint`) of length `options.bits`.
    public static func counts(smiles: String, options: MorganOptions) throws -> [UInt32] {
        try MorganGenerator(options: options).counts(Molecule(smiles: smiles))
    }

    /// Fingerprints many SMILES in parallel. Invalid SMILES do not stop the batch: their slot is nil and a
    /// `ChemError` with the row index is reported (failures in row order).
    public static func batch(
        smiles: [String], options: MorganOptions, threads: Int = Parallel.threadCount
    )
        -> (fingerprints: [Fingerprint?], failures: [ChemError])
    {
        run(smiles: smiles, options: options, threads: threads) { generator, molecule in try generator.bits(molecule) }
    }

    /// Count vectors for many SMILES in parallel; same failure reporting as `batch`.
    public static func batchCounts(
        smiles: [String], options: MorganOptions, threads: Int = Parallel.threadCount
    )
        -> (counts: [[UInt32]?], failures: [ChemError])
    {
        let result = run(smiles: smiles, options: options, threads: threads) { generator, molecule in
            try generator.counts(molecule)
        }
        return (result.fingerprints, result.failures)
    }

    /// Tanimoto similarity |a ∧ b| / |a ∨ b|; 1 for two empty vectors (as RDKit). Sizes must match.
    public static func tanimoto(_ a: Fingerprint, _ b: Fingerprint) -> Double {
        precondition(a.bits == b.bits, "tanimoto: fingerprints of \(a.bits) and \(b.bits) bits")
        var both = 0
        var either = 0
        for i in 0..<a.words.count {
            both += (a.words[i] & b.words[i]).nonzeroBitCount
            either += (a.words[i] | b.words[i]).nonzeroBitCount
        }
        return either == 0 ? 1 : Double(both) / Double(either)
    }

    /// Runs `body` over all SMILES in contiguous chunks, one generator per chunk, each molecule owned by its call.
    static func run<T>(
        smiles: [String], options: MorganOptions, threads: Int,
        _ body: (MorganGenerator, Molecule) throws -> T
    ) -> (fingerprints: [T?], failures: [ChemError]) {
        var results = [T?](repeating: nil, count: smiles.count)
        var failures: [ChemError] = []
        let lock = NSLock()
        results.withUnsafeMutableBufferPointer { out in
            Parallel.forEachChunk(count: smiles.count, threads: threads) { range in
                var local: [ChemError] = []
                do {
                    let generator = try MorganGenerator(options: options)
                    for row in range {
                        do {
                            out[row] = try body(generator, Molecule(smiles: smiles[row]))
                        } catch let error as ChemError {
                            local.append(error.at(row: row))
                        } catch {
                            local.append(ChemError(smiles: smiles[row], reason: "\(error)", row: row))
                        }
                    }
                } catch {
                    local = range.map { ChemError(smiles: smiles[$0], reason: "\(error)", row: $0) }
                }
                lock.lock()
                failures += local
                lock.unlock()
            }
        }
        failures.sort { ($0.row ?? 0) < ($1.row ?? 0) }
        return (results, failures)
    }
}
