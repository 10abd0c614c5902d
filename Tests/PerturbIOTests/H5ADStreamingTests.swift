import Foundation
import PerturbTestSupport
import XCTest

@testable import PerturbIO

/// Row-range streaming: chunked reads (allocating, into caller buffers, into reused CSR storage) equal full reads.
final class H5ADStreamingTests: XCTestCase {
    func testChunkedReadsEqualFullReads() throws {
        let url = try temporaryDirectory("perturbio-stream").appendingPathComponent("perturbio-stream.h5ad")
        let rows = 37, cols = 11
        var rng = SystemRandomNumberGenerator()
        var dense = DenseMatrix(rows: rows, cols: cols)
        for i in dense.values.indices where Int.random(in: 0..<4, using: &rng) == 0 {
            dense.values[i] = Float.random(in: -5...5, using: &rng)
        }
        let adata = AnnData(
            X: .dense(dense), obs: DataFrame(index: (0..<rows).map { "c\($0)" }),
            var: DataFrame(index: (0..<cols).map { "g\($0)" }),
            layers: [
                "sparse": .csr(CSRMatrix(dense: dense)),
                "doubled": .dense(DenseMatrix(rows: rows, cols: cols, values: dense.values.map { $0 * 2 })),
            ])
        try H5ADWriter.write(adata, to: url, compression: .gzip(level: 1))
        let reader = try H5ADReader(url: url)
        XCTAssertEqual(reader.layerNames, ["doubled", "sparse"])
        var buffer = [Float](repeating: .nan, count: 8 * cols)
        var reused = CSRMatrix(rows: 0, cols: 0, data: Array(repeating: 9, count: 100), indices: [], indptr: [])
        for start in stride(from: 0, to: rows, by: 8) {
            let range = start..<min(rows, start + 8)
            let expected = Array(dense.values[(start * cols)..<(range.upperBound * cols)])
            XCTAssertEqual(try reader.readDense(layer: nil, rows: range).values, expected)
            XCTAssertEqual(try reader.readDense(layer: "sparse", rows: range).values, expected)
            try buffer.withUnsafeMutableBytes { try reader.readRows(layer: nil, rows: range, into: $0) }
            XCTAssertEqual(Array(buffer[0..<expected.count]), expected)
            try reader.readCSRRows(layer: "sparse", rows: range, into: &reused)
            XCTAssertEqual(reused.toDense().values, expected)
            XCTAssertEqual(reused.rows, range.count)
        }
        XCTAssertThrowsError(try reader.readCSRRows(layer: "doubled", rows: 0..<1, into: &reused)) { error in
            XCTAssertTrue("\(error)".contains("not stored as csr_matrix"), "\(error)")
        }
        var small = [Float](repeating: 0, count: 3)
        XCTAssertThrowsError(
            try small.withUnsafeMutableBytes { try reader.readRows(layer: nil, rows: 0..<2, into: $0) })
        let picked = try reader.readDense(layer: "doubled", rows: 5..<9, genes: ["g10", "g0"])
        XCTAssertEqual(picked.values, [5, 6, 7, 8].flatMap { [dense[$0, 10] * 2, dense[$0, 0] * 2] })
    }

    /// Large uncompressed data takes the direct (pread) path; it must agree with HDF5's own converted read.
    func testDirectReadOfLargeContiguousDataMatchesHDF5() throws {
        let url = try temporaryDirectory("perturbio-direct").appendingPathComponent("perturbio-direct.h5ad")
        let rows = 1500, cols = 400  // 2.4 MB of float32, above the 1 MiB direct-read threshold
        var rng = SystemRandomNumberGenerator()
        let values = (0..<(rows * cols)).map { _ in Float.random(in: -3...3, using: &rng) }
        let dense = DenseMatrix(rows: rows, cols: cols, values: values)
        let sparse = CSRMatrix(dense: DenseMatrix(rows: rows, cols: cols, values: values.map { $0 > 0 ? $0 : 0 }))
        try H5ADWriter.write(
            AnnData(
                X: .dense(dense), obs: DataFrame(index: (0..<rows).map { "c\($0)" }),
                var: DataFrame(index: (0..<cols).map { "g\($0)" }), layers: ["pos": .csr(sparse)]),
            to: url, compression: .none)
        let reader = try H5ADReader(url: url)
        XCTAssertEqual(try reader.readDense(layer: nil), dense)
        XCTAssertEqual(
            try reader.readDense(layer: nil, rows: 700..<1400).values, Array(values[(700 * cols)..<(1400 * cols)]))
        XCTAssertEqual(try reader.readMatrix(layer: "pos"), .csr(sparse))
        let file = try H5File(openForReading: url)
        let x = try file.dataset("X")
        XCTAssertEqual(try x.readDoubles().map { Float($0) }, values)  // float64 memory type: HDF5's conversion path
    }
}
