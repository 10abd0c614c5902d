import Foundation
import PerturbBase
import PerturbTestSupport
import XCTest

@testable import PerturbIO

/// Malformed inputs give errors that name the file and the HDF5 path and say what is wrong.
final class H5ADErrorTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("perturbio-errors")
    }

    /// Writes a small valid file with our writer, then lets `edit` damage it through the HDF5 wrapper.
    private func makeFile(_ name: String, edit: ((H5File) throws -> Void)? = nil) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let adata = AnnData(
            X: .dense(DenseMatrix(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6])),
            obs: DataFrame(index: ["a", "b"]), var: DataFrame(index: ["g1", "g2", "g3"]))
        try H5ADWriter.write(adata, to: url, compression: .none)
        if let edit {
            let scratch = directory.appendingPathComponent("scratch-" + name)
            let file = try H5File(creating: scratch)
            try edit(file)
            try file.flush()
            return scratch
        }
        return url
    }

    private func assertFormatError(
        _ body: () throws -> Void, location: String, contains text: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let formatError = error as? FormatError else {
                return XCTFail("expected FormatError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(formatError.location, location, file: file, line: line)
            XCTAssertTrue(
                formatError.message.contains(text), "message: \(formatError.description)", file: file, line: line)
            XCTAssertTrue(formatError.description.contains(formatError.file), file: file, line: line)
            XCTAssertTrue(error is UserInputError, file: file, line: line)
        }
    }

    private func writeFrame(_ file: H5File, _ name: String, _ index: [String]) throws {
        let group = try file.createGroup(name)
        try H5ADWriter.setEncoding(group, "dataframe", "0.2.0")
        try group.setAttribute("_index", "_index")
        try group.setAttribute("column-order", [Double]())
        try group.writeStrings("_index", index)
    }

    func testMissingGroup() throws {
        let url = try makeFile("nogroup.h5ad") { file in try self.writeFrame(file, "obs", ["a"]) }
        assertFormatError({ _ = try H5ADReader(url: url) }, location: "/var", contains: "missing group")
    }

    func testMissingLayer() throws {
        let url = try makeFile("ok.h5ad")
        let reader = try H5ADReader(url: url)
        assertFormatError(
            { _ = try reader.readDense(layer: "logFC") }, location: "/layers/logFC", contains: "missing layer")
        assertFormatError(
            { _ = try reader.readDense(layer: nil, genes: ["g1", "BRCA1"]) }, location: "/var", contains: "BRCA1")
        assertFormatError(
            { _ = try reader.readDense(layer: nil, rows: 1..<5) }, location: "/X", contains: "outside the 2 rows")
    }

    func testUnsupportedEncoding() throws {
        let url = try makeFile("encoding.h5ad") { file in
            try self.writeFrame(file, "obs", ["a", "b"])
            try self.writeFrame(file, "var", ["g"])
            let x = try file.createGroup("X")
            try H5ADWriter.setEncoding(x, "awkward-array", "0.1.0")
        }
        assertFormatError(
            { _ = try H5ADReader(url: url) }, location: "/X", contains: "unsupported encoding 'awkward-array'")
    }

    func testUnsupportedColumnEncoding() throws {
        let url = try makeFile("column.h5ad") { file in
            try self.writeFrame(file, "var", ["g"])
            let obs = try file.createGroup("obs")
            try H5ADWriter.setEncoding(obs, "dataframe", "0.2.0")
            try obs.setAttribute("_index", "_index")
            try obs.setAttribute("column-order", ["weird"])
            try obs.writeStrings("_index", ["a"])
            try H5ADWriter.setEncoding(try obs.createGroup("weird"), "sparse-thing", "9.9")
        }
        assertFormatError(
            { _ = try H5ADReader(url: url) }, location: "/obs/weird", contains: "unsupported encoding 'sparse-thing'")
    }

    func testWrongDtype() throws {
        let url = try makeFile("dtype.h5ad") { file in
            try self.writeFrame(file, "obs", ["a", "b"])
            try self.writeFrame(file, "var", ["g"])
            try H5ADWriter.setEncoding(try file.writeStrings("X", ["x", "y"]), "array", "0.2.0")
        }
        assertFormatError({ _ = try H5ADReader(url: url) }, location: "/X", contains: "wrong dtype")
    }

    func testShapeMismatch() throws {
        let url = try makeFile("shape.h5ad") { file in
            try self.writeFrame(file, "obs", ["a", "b"])
            try self.writeFrame(file, "var", ["g"])
            try file.writeFloats("X", [1, 2, 3, 4, 5, 6], dims: [3, 2])
        }
        assertFormatError({ _ = try H5ADReader(url: url) }, location: "/X", contains: "shape mismatch")
        let adata = AnnData(
            X: .dense(DenseMatrix(rows: 1, cols: 1, values: [0])), obs: DataFrame(index: ["a", "b"]),
            var: DataFrame(index: ["g"]))
        let out = directory.appendingPathComponent("never.h5ad")
        assertFormatError({ try H5ADWriter.write(adata, to: out) }, location: "/X", contains: "shape mismatch")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testCategoricalCodeOutOfRange() throws {
        var obs = DataFrame(index: ["a", "b"])
        obs.set("group", .categorical(codes: [0, 3], categories: ["x"], ordered: false))
        let adata = AnnData(obs: obs, var: DataFrame(index: ["g"]))
        assertFormatError(
            { try H5ADWriter.write(adata, to: self.directory.appendingPathComponent("c.h5ad")) },
            location: "/obs/group", contains: "row 1")
    }

    func testNotAnHDF5File() throws {
        let url = directory.appendingPathComponent("table.h5ad")
        try "cell,dose\na,1\n".write(to: url, atomically: true, encoding: .utf8)
        assertFormatError({ _ = try H5ADReader(url: url) }, location: "", contains: "not an HDF5 file")
        assertFormatError(
            { _ = try H5ADReader(url: self.directory.appendingPathComponent("absent.h5ad")) }, location: "",
            contains: "not found")
    }

    func testTruncatedFile() throws {
        let url = try makeFile("full.h5ad")
        let bytes = try Data(contentsOf: url)
        let truncated = directory.appendingPathComponent("truncated.h5ad")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        assertFormatError({ _ = try H5ADReader(url: truncated) }, location: "", contains: "truncated")
    }

    func testExistingOutputSurvivesFailedWrite() throws {
        let url = try makeFile("keep.h5ad")
        let before = try Data(contentsOf: url)
        let bad = AnnData(
            X: .dense(DenseMatrix(rows: 1, cols: 1, values: [0])), obs: DataFrame(index: []), var: DataFrame(index: []))
        XCTAssertThrowsError(try H5ADWriter.write(bad, to: url))
        XCTAssertEqual(try Data(contentsOf: url), before)
    }
}
