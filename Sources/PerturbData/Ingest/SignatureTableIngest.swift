import Foundation
import PerturbBase
import PerturbIO

/// Reads a delimited table of condition-level signatures: one row per compound, the first column its id or name,
/// every other column a gene (header = gene names), e.g. SEP-L1000 `tStats-transposed-head.txt` (`pert_id` and 978
/// landmark probes). Such tables carry no cell line, dose or time: every row gets `context`, no dose and no time.
/// Structures come from the resolver (`--smiles-map`, e.g. LINCS `pertinfo.tsv.gz` by `pert_id`).
public enum SignatureTableIngest {
    /// What every row of the table is taken to be.
    public struct Options: Sendable {
        public var dataset: String
        /// The context of every row (the table has none of its own).
        public var context = "unspecified"

        public init(dataset: String) {
            self.dataset = dataset
        }
    }

    /// Reads `url` (tab-separated for .tsv/.txt/.tab, else comma-separated; gzip allowed). Missing cells (empty,
    /// `NA`, `NaN`, `-666`) are unmeasured genes; any other non-numeric cell is an error naming the row and column.
    /// A compound's second row, rows without a name and rows with no finite value are skipped and counted in
    /// `report`.
    public static func ingest(
        _ url: URL, resolver: CompoundResolver, options: Options,
        report: inout IngestReport
    ) throws -> EffectsTable {
        let inner = url.pathExtension == "gz" ? url.deletingPathExtension() : url
        let text = String(decoding: try TextFile.readBytes(url), as: UTF8.self)
        let records = DelimitedTable.parse(text, delimiter: DelimitedTable.delimiter(for: inner))
        guard let header = records.first, header.count >= 2 else {
            throw InputError("\(url.path): expected a header line with a compound column and at least one gene column")
        }
        let genes = header.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        if let duplicate = Dictionary(grouping: genes, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw InputError("\(url.path): gene column '\(duplicate)' appears more than once in the header")
        }
        let g = genes.count
        var table = EffectsTable(
            conditions: [], genes: genes, logFC: [], measured: [], compounds: [:],
            replicateCounts: [], provenance: ["source": url.path, "format": "signatures"])
        var seen = Set<Condition>()
        for (offset, record) in records.dropFirst().enumerated() where record != [""] {
            let line = offset + 2
            guard record.count == header.count else {
                throw InputError("\(url.path) line \(line): \(record.count) fields, the header has \(header.count)")
            }
            let name = record[0].trimmingCharacters(in: .whitespaces)
            report.rowsRead += 1
            let compound: Compound
            switch resolver.resolve(names: [name], smiles: nil) {
            case .success(let c): compound = c
            case .failure(.missingName): report.skip("missing compound", example: "line \(line)"); continue
            case .failure(.invalidSmiles(let s, let reason)):
                report.skip("invalid SMILES", example: "\(name): \(s) (\(reason))"); continue
            }
            var values = [Float](repeating: 0, count: g), mask = [Bool](repeating: false, count: g)
            for j in 0..<g {
                let cell = record[j + 1].trimmingCharacters(in: .whitespaces)
                if MissingValue.isMissing(cell) { continue }
                guard let v = Float(cell), v.isFinite else {
                    throw InputError("\(url.path) line \(line), column '\(genes[j])': '\(cell)' is not a number")
                }
                values[j] = v
                mask[j] = true
            }
            guard mask.contains(true) else { report.skip("no finite value for any gene", example: name); continue }
            let condition = Condition(
                dataset: options.dataset, context: options.context, compounds: [compound.key],
                doseMicromolar: nil, timeHours: nil)
            guard seen.insert(condition).inserted else {
                report.skip("duplicate condition (a second row of the same compound)", example: name); continue
            }
            table.conditions.append(condition)
            table.replicateCounts.append(1)
            table.logFC += values
            table.measured += mask
        }
        for key in table.usedCompoundKeys { table.compounds[key] = resolver.compounds[key] }
        report.conditionsWritten += table.rowCount
        return table
    }
}
