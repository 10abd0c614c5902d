import Foundation
import PerturbBase

/// One compound's identity and Morgan features, as the `fingerprint` command writes them.
public struct CompoundFeatures: Equatable {
    /// RDKit canonical SMILES (of the largest fragment when salts are stripped).
    public let canonicalSmiles: String
    /// Standard InChIKey; "" when InChI cannot represent the molecule (e.g. dummy atoms), the features still valid.
    public let inchiKey: String
    /// Bits (0/1) or counts, `options.bits` long.
    public let values: [Float]
}

/// Parses, identifies and fingerprints many SMILES in parallel, each thread with its own generator and molecules.
public enum CompoundFeaturizer {
    /// Features for each SMILES (nil where it failed) and the failures in row order. With `stripSalts`, both the
    /// identity and the fingerprint use the largest fragment; otherwise the molecule as written (RDKit default).
    public static func run(
        smiles: [String], options: MorganOptions, stripSalts: Bool,
        threads: Int = Parallel.threadCount, progress: ProgressReporter? = nil
    )
        -> (features: [CompoundFeatures?], failures: [ChemError])
    {
        var results = [CompoundFeatures?](repeating: nil, count: smiles.count)
        var failures: [ChemError] = []
        var done = 0
        let lock = NSLock()
        results.withUnsafeMutableBufferPointer { out in
            Parallel.forEachChunk(count: smiles.count, threads: threads) { range in
                var local: [ChemError] = []
                let generator: MorganGenerator
                do { generator = try MorganGenerator(options: options) } catch {
                    local = range.map { ChemError(smiles: smiles[$0], reason: "\(error)", row: $0) }
                    lock.lock(); failures += local; lock.unlock()
                    return
                }
                for row in range {
                    do {
                        out[row] = try features(smiles[row], generator: generator, stripSalts: stripSalts)
                    } catch let error as ChemError {
                        local.append(error.at(row: row))
                    } catch {
                        local.append(ChemError(smiles: smiles[row], reason: "\(error)", row: row))
                    }
                    if (row - range.lowerBound) % 256 == 255, let progress {
                        lock.lock(); done += 256; progress.update(done: done); lock.unlock()
                    }
                }
                lock.lock(); failures += local; lock.unlock()
            }
        }
        progress?.finish(done: smiles.count, fields: [("invalid", "\(failures.count)")])
        failures.sort { ($0.row ?? 0) < ($1.row ?? 0) }
        return (results, failures)
    }

    static func features(_ smiles: String, generator: MorganGenerator, stripSalts: Bool) throws -> CompoundFeatures {
        let molecule = try Molecule(smiles: smiles, largestFragment: stripSalts)
        let canonical = try molecule.canonicalSmiles()
        let key = (try? molecule.inchi().inchiKey) ?? ""
        let values: [Float]
        if generator.options.counts {
            values = try generator.counts(molecule).map { Float($0) }
        } else {
            values = try generator.bits(molecule).toFloats()
        }
        return CompoundFeatures(canonicalSmiles: canonical, inchiKey: key, values: values)
    }
}
