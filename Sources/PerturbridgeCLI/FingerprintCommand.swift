import ArgumentParser
import Foundation
import PerturbBase
import PerturbChem
import PerturbIO

/// `perturbridge fingerprint`: canonical SMILES, InChIKey and Morgan fingerprints for a column of SMILES.
struct Fingerprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute canonical SMILES, InChIKeys and Morgan fingerprints (RDKit) for a column of SMILES.",
        discussion: """
            FILE is CSV/TSV (by extension; first line = header) or .h5ad (SMILES read \
            from an obs column; ids from the obs index unless --id-column is given).

            OUT is .h5ad or CSV/TSV. The .h5ad has one row per input row: X = bits or \
            counts (float32), obs = id, input_smiles, canonical_smiles, inchikey, \
            valid, error; var = bit index; uns['fingerprint'] = the settings. The CSV \
            has columns id, input_smiles, canonical_smiles, inchikey, valid, error and \
            on_bits (space-separated ascending on-bit indices) or, with --counts, \
            counts (space-separated index:count pairs).

            Bits equal RDKit Python's GetMorganGenerator(radius, fpSize) \
            .GetFingerprint(Chem.MolFromSmiles(smiles)). Invalid SMILES are listed on \
            stderr (row, id, SMILES, reason) and written with valid=false and zero \
            features; the exit code is 1 only when no row is valid.

            Example:
              perturbridge fingerprint --input compounds.csv --smiles-column SMILES \\
                --id-column sm_name --radius 2 --bits 2048 --output morgan.h5ad
            """
    )

    @Option(help: "Input table: .csv, .tsv or .h5ad.") var input: String
    @Option(help: "Column holding the SMILES.") var smilesColumn: String
    @Option(help: "Column holding compound ids (default: the .h5ad obs index, or the 0-based row number).")
    var idColumn: String?
    @Option(help: "Morgan radius (0...16).") var radius: Int = 2
    @Option(help: "Fingerprint length.") var bits: Int = 2048
    @Flag(help: "Write hashed count vectors instead of bits.") var counts = false
    @Flag(help: "Include chirality in the atom invariants.") var chirality = false
    @Flag(help: "Keep only the largest fragment (strip salts, counter-ions, solvents) before identity and fingerprint.")
    var stripSalts = false
    @Option(help: "Worker threads (default: all cores).") var threads: Int = Parallel.threadCount
    @Option(help: "Output: .h5ad, .csv or .tsv.") var output: String
    @Flag(help: "No progress on stderr.") var quiet = false

    func run() throws {
        let inputURL = URL(fileURLWithPath: input), outputURL = URL(fileURLWithPath: output)
        let outputKind = outputURL.pathExtension.lowercased()
        guard ["h5ad", "csv", "tsv", "txt"].contains(outputKind) else {
            throw InputError("--output \(output): use a .h5ad, .csv or .tsv file name")
        }
        guard threads > 0 else { throw InputError("--threads must be positive, got \(threads)") }
        let (ids, smiles) = try readInput(inputURL)
        let options = MorganOptions(radius: radius, bits: bits, useChirality: chirality, counts: counts)
        _ = try MorganGenerator(options: options)  // validates radius and bits before any work
        let progress = ProgressReporter(label: "fingerprint", unit: "molecules", total: smiles.count, enabled: !quiet)
        let (features, failures) = CompoundFeaturizer.run(
            smiles: smiles, options: options, stripSalts: stripSalts,
            threads: threads, progress: progress)
        report(failures, ids: ids, total: smiles.count)
        guard failures.count < smiles.count else {
            throw InputError("\(input): none of the \(smiles.count) SMILES in column '\(smilesColumn)' is valid")
        }
        var reasons = [String](repeating: "", count: smiles.count)
        for failure in failures { if let row = failure.row { reasons[row] = failure.reason } }
        let table = OutputTable(ids: ids, smiles: smiles, features: features, reasons: reasons, options: options)
        if outputKind == "h5ad" {
            try H5ADWriter.write(table.annData(stripSalts: stripSalts), to: outputURL)
        } else {
            try table.delimited().write(outputURL)
        }
        print("\(output)\t\(smiles.count - failures.count) valid, \(failures.count) invalid of \(smiles.count) rows")
    }

    /// Reads ids and SMILES from a CSV/TSV or the obs of an .h5ad.
    func readInput(_ url: URL) throws -> (ids: [String], smiles: [String]) {
        if url.pathExtension.lowercased() == "h5ad" {
            let obs = try H5ADReader(url: url).obs
            guard let column = obs.column(smilesColumn) else {
                throw InputError(
                    "\(input): obs has no column '\(smilesColumn)'; columns are: \(obs.columnNames.joined(separator: ", "))"
                )
            }
            var ids = obs.index
            if let idColumn {
                guard let idData = obs.column(idColumn) else {
                    throw InputError(
                        "\(input): obs has no column '\(idColumn)'; columns are: \(obs.columnNames.joined(separator: ", "))"
                    )
                }
                ids = idData.stringValues()
            }
            return (ids, column.stringValues())
        }
        let table = try DelimitedTable.read(url)
        let smiles = try table.column(smilesColumn, file: input)
        let ids = try idColumn.map { try table.column($0, file: input) } ?? smiles.indices.map(String.init)
        return (ids, smiles)
    }

    /// Lists invalid rows on stderr (the first 20 in full) with counts.
    func report(_ failures: [ChemError], ids: [String], total: Int) {
        guard !failures.isEmpty else { return }
        ProgressReporter.log("fingerprint: \(failures.count) of \(total) SMILES invalid (marked valid=false):")
        for failure in failures.prefix(20) {
            let row = failure.row ?? 0
            ProgressReporter.log("  row \(row) (id \(ids[row])): '\(failure.smiles)': \(failure.reason)")
        }
        if failures.count > 20 { ProgressReporter.log("  ... and \(failures.count - 20) more") }
    }
}

/// The rows of the fingerprint output, rendered as AnnData or a delimited table.
private struct OutputTable {
    let ids: [String], smiles: [String], features: [CompoundFeatures?], reasons: [String], options: MorganOptions

    func annData(stripSalts: Bool) -> AnnData {
        var values = [Float](repeating: 0, count: ids.count * options.bits)
        for (row, feature) in features.enumerated() {
            guard let feature else { continue }
            values.replaceSubrange(row * options.bits..<(row + 1) * options.bits, with: feature.values)
        }
        var obs = DataFrame(index: uniqueIndex())
        obs.set("id", .strings(ids))
        obs.set("input_smiles", .strings(smiles))
        obs.set("canonical_smiles", .strings(features.map { $0?.canonicalSmiles ?? "" }))
        obs.set("inchikey", .strings(features.map { $0?.inchiKey ?? "" }))
        obs.set("valid", .bools(features.map { $0 != nil }))
        obs.set("error", .strings(reasons))
        let settings: [String: UnsValue] = [
            "method": .string("RDKit Morgan (rdFingerprintGenerator.GetMorganGenerator)"),
            "radius": .int(Int64(options.radius)), "bits": .int(Int64(options.bits)),
            "counts": .bool(options.counts), "chirality": .bool(options.useChirality),
            "strip_salts": .bool(stripSalts), "rdkit_version": .string(Chem.rdkitVersion),
        ]
        return AnnData(
            X: .dense(DenseMatrix(rows: ids.count, cols: options.bits, values: values)), obs: obs,
            var: DataFrame(index: (0..<options.bits).map(String.init)), uns: ["fingerprint": .group(settings)])
    }

    /// anndata needs unique obs names: repeated ids get a "-1", "-2"... suffix (like anndata's make_unique).
    func uniqueIndex() -> [String] {
        var seen: [String: Int] = [:]
        return ids.map { id in
            let n = seen[id, default: 0]
            seen[id] = n + 1
            return n == 0 ? id : "\(id)-\(n)"
        }
    }

    func delimited() -> DelimitedTable {
        let featureColumn = options.counts ? "counts" : "on_bits"
        var table = DelimitedTable(header: [
            "id", "input_smiles", "canonical_smiles", "inchikey", "valid", "error", featureColumn,
        ])
        for row in ids.indices {
            let feature = features[row]
            let encoded =
                feature.map { f in
                    f.values.indices.filter { f.values[$0] != 0 }
                        .map { options.counts ? "\($0):\(Int(f.values[$0]))" : "\($0)" }.joined(separator: " ")
                } ?? ""
            table.rows.append([
                ids[row], smiles[row], feature?.canonicalSmiles ?? "", feature?.inchiKey ?? "",
                feature == nil ? "false" : "true", reasons[row], encoded,
            ])
        }
        return table
    }
}
