import Foundation

/// Parses GCT text: version 1.2 (Name, Description, samples) and 1.3 (row and column metadata blocks).
enum GCTTextReading {
    static func read(_ url: URL) throws -> GCTData {
        let file = url.path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw FormatError(file: file, location: "", message: "cannot read file")
        }
        let text = String(data: data, encoding: .utf8) ?? String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        func fail(_ line: Int, _ message: String) -> FormatError {
            FormatError(file: file, location: "line \(line)", message: message)
        }
        func fields(_ line: Int) -> [Substring] {
            lines[line - 1].split(separator: "\t", omittingEmptySubsequences: false)
        }
        guard let first = lines.first else {
            throw FormatError(file: file, location: "", message: "empty file, expected a GCT header '#1.2' or '#1.3'")
        }
        let version = first.trimmingCharacters(in: .whitespaces)
        guard version == "#1.2" || version == "#1.3" else {
            throw fail(1, "not a GCT file: expected '#1.2' or '#1.3', found '\(version.prefix(20))'")
        }
        guard lines.count >= 3 else { throw fail(lines.count, "file ends before the header is complete") }
        let dims = fields(2).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let is13 = version == "#1.3"
        guard dims.count >= (is13 ? 4 : 2) else {
            throw fail(
                2,
                "expected \(is13 ? "rows, columns, row-metadata and column-metadata counts" : "row and column counts"), found '\(lines[1])'"
            )
        }
        let (nRows, nCols) = (dims[0], dims[1])
        let nRowMeta = is13 ? dims[2] : 1
        let nColMeta = is13 ? dims[3] : 0
        guard [nRows, nCols, nRowMeta, nColMeta].allSatisfy({ $0 >= 0 && $0 <= data.count }) else {
            throw fail(2, "counts '\(lines[1])' must be whole numbers from 0 to the file's size (\(data.count) bytes)")
        }
        let cells = nRows.multipliedReportingOverflow(by: nCols)
        guard !cells.overflow, cells.partialValue <= data.count else {
            throw fail(
                2,
                "header announces \(nRows) × \(nCols) values, more than the \(data.count) bytes of the file "
                    + "can hold")
        }
        let header = fields(3).map(String.init)
        guard header.count == 1 + nRowMeta + nCols else {
            throw fail(
                3,
                "header has \(header.count) fields, expected \(1 + nRowMeta + nCols) (id, \(nRowMeta) row-metadata, \(nCols) samples)"
            )
        }
        let columnIds = Array(header[(1 + nRowMeta)...])
        let rowMetaNames = Array(header[1..<(1 + nRowMeta)])
        var colMeta = DataFrame(index: columnIds)
        for k in 0..<nColMeta {
            let lineNumber = 4 + k
            guard lineNumber <= lines.count else {
                throw fail(lineNumber, "file ends inside the column-metadata block")
            }
            let parts = fields(lineNumber)
            guard parts.count == 1 + nRowMeta + nCols else {
                throw fail(
                    lineNumber, "column-metadata line has \(parts.count) fields, expected \(1 + nRowMeta + nCols)")
            }
            colMeta.set(String(parts[0]), GCTReader.inferColumn(parts[(1 + nRowMeta)...].map(String.init)))
        }
        let firstDataLine = 4 + nColMeta
        guard lines.count - firstDataLine + 1 == nRows else {
            throw fail(
                2,
                "header announces \(nRows) rows but the file has \(max(0, lines.count - firstDataLine + 1)) data lines (truncated file?)"
            )
        }
        var rowIds: [String] = []
        rowIds.reserveCapacity(nRows)
        var rowMetaTexts = [[String]](repeating: [], count: nRowMeta)
        var values = [Float](repeating: 0, count: nRows * nCols)
        for r in 0..<nRows {
            let lineNumber = firstDataLine + r
            let parts = fields(lineNumber)
            guard parts.count == 1 + nRowMeta + nCols else {
                throw fail(lineNumber, "row has \(parts.count) fields, expected \(1 + nRowMeta + nCols)")
            }
            rowIds.append(String(parts[0]))
            for m in 0..<nRowMeta { rowMetaTexts[m].append(String(parts[1 + m])) }
            for c in 0..<nCols {
                let cell = parts[1 + nRowMeta + c]
                if let value = Float(cell) {
                    values[r * nCols + c] = value == -666 ? .nan : value
                } else if GCTReader.isMissingText(String(cell)) {
                    values[r * nCols + c] = .nan
                } else {
                    throw fail(lineNumber, "value '\(cell)' in column '\(columnIds[c])' is not a number")
                }
            }
        }
        var rowMeta = DataFrame(index: rowIds)
        for (m, name) in rowMetaNames.enumerated() {
            rowMeta.columns.append((name: name, data: GCTReader.inferColumn(rowMetaTexts[m])))
        }
        return GCTData(
            matrix: DenseMatrix(rows: nRows, cols: nCols, values: values), rowMeta: rowMeta, colMeta: colMeta)
    }
}
