import ArgumentParser
import Foundation
import PerturbBase
import PerturbIO

/// `perturbridge-bench io`: .h5ad read throughput of PerturbIO against h5py/anndata (bench/io_peer.py) on the
/// same files in the same run: a dense float32 X and a CSR X, full reads and chunked row-range reads.
///
///     perturbridge-bench io [--rows 200000] [--cols 978] [--density 0.1] [--chunk-rows 10000] [--repeats 3]
///                           [--dir TMPDIR] [--python python3] [--keep]
enum IOBench {
    struct Settings: ParsableArguments {
        @Option(help: "Rows of the dense layer.") var rows = 200_000
        @Option(help: "Columns (genes).") var cols = 978
        @Option(help: "Non-zero share of the CSR matrix, in (0, 1].") var density = 0.1
        @Option(help: "Rows per chunked read.") var chunkRows = 10_000
        @Option(help: "Repeats (best of).") var repeats = 3
        @Option(name: .customLong("dir"), help: "Folder for the test files (default: the temporary folder).")
        var directory: String?
        @Option(help: "Python with h5py for the peer.") var python = "python3"
        @Flag(help: "Keep the test files.") var keep = false

        func validate() throws {
            try requirePositive(["--rows": rows, "--cols": cols, "--chunk-rows": chunkRows, "--repeats": repeats])
            guard density > 0, density <= 1 else {
                throw ValidationError("--density must be in (0, 1], got \(density)")
            }
        }
    }

    static func run(_ settings: Settings) throws {
        let base = URL(fileURLWithPath: settings.directory ?? NSTemporaryDirectory())
            .appendingPathComponent("perturbridge-io-bench-\(getpid())")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { if !settings.keep { try? FileManager.default.removeItem(at: base) } }
        let denseURL = base.appendingPathComponent("dense.h5ad")
        let csrURL = base.appendingPathComponent("csr.h5ad")
        let (rows, cols) = (settings.rows, settings.cols)

        ProgressReporter.log(
            "io bench: generating \(rows)x\(cols) dense float32 and CSR (density \(settings.density)) files in \(base.path)"
        )
        let (dense, csr) = makeMatrices(rows: rows, cols: cols, density: settings.density)
        let obs = DataFrame(index: (0..<rows).map { "cell\($0)" })
        let genes = DataFrame(index: (0..<cols).map { "gene\($0)" })
        try H5ADWriter.write(AnnData(X: .dense(dense), obs: obs, var: genes), to: denseURL, compression: .none)
        try H5ADWriter.write(AnnData(X: .csr(csr), obs: obs, var: genes), to: csrURL, compression: .none)
        let denseBytes = Double(rows * cols * 4)
        let csrBytes = Double(csr.data.count * 8 + csr.indptr.count * 8)
        let expectedDenseSum = checksum(dense.values)

        print(
            "io bench: X dense \(rows)x\(cols) float32 (\(mb(denseBytes)) MB), X CSR nnz \(csr.data.count) (\(mb(csrBytes)) MB stored); uncompressed; chunks of \(settings.chunkRows) rows; best of \(settings.repeats); files in page cache after the first read"
        )

        // The readers are opened (obs/var read) outside the timed regions, like h5py's File(); readAll is timed whole.
        let denseReader = try H5ADReader(url: denseURL)
        let csrReader = try H5ADReader(url: csrURL)
        // Correctness first (untimed): full and chunked reads give back exactly the written data.
        try verify(checksum(try denseReader.readDense(layer: nil).values) == expectedDenseSum, "dense full read")
        guard case .csr(let csrBack) = try csrReader.readMatrix(layer: nil) else {
            throw InputError("io bench: X should be CSR")
        }
        try verify(csrBack == csr, "CSR full read")
        var chunkSum = 0.0
        for start in stride(from: 0, to: rows, by: settings.chunkRows) {
            chunkSum += checksum(
                try denseReader.readDense(layer: nil, rows: start..<min(rows, start + settings.chunkRows)).values)
            guard
                case .csr(let part) = try csrReader.readMatrix(
                    layer: nil, rows: start..<min(rows, start + settings.chunkRows))
            else {
                throw InputError("io bench: X should be CSR")
            }
            try verify(
                part == csr.slicingRows(start..<min(rows, start + settings.chunkRows)), "CSR chunk at row \(start)")
            var reused = CSRMatrix(rows: 0, cols: cols, data: [7], indices: [1, 2], indptr: [])
            try csrReader.readCSRRows(layer: nil, rows: start..<min(rows, start + settings.chunkRows), into: &reused)
            try verify(reused == part, "CSR chunk read into a reused buffer at row \(start)")
        }
        try verify(chunkSum == expectedDenseSum, "dense chunked read")

        // Timed: reads only, touching one value per result like the peer does.
        var touched = 0.0
        var ours: [String: Double] = [:]
        ours["dense_full"] = try best(settings.repeats) {
            touched += Double(try denseReader.readDense(layer: nil).values[0])
        }
        ours["dense_chunks"] = try best(settings.repeats) {
            var buffer = DenseMatrix(rows: settings.chunkRows, cols: cols).values
            for start in stride(from: 0, to: rows, by: settings.chunkRows) {
                let range = start..<min(rows, start + settings.chunkRows)
                try buffer.withUnsafeMutableBytes { try denseReader.readRows(layer: nil, rows: range, into: $0) }
                touched += Double(buffer[0])
            }
        }
        ours["csr_full"] = try best(settings.repeats) {
            touched += Double(try csrReader.readMatrix(layer: nil).rows)
        }
        ours["csr_chunks"] = try best(settings.repeats) {
            var chunk = CSRMatrix(rows: 0, cols: cols, data: [], indices: [], indptr: [0])
            for start in stride(from: 0, to: rows, by: settings.chunkRows) {
                try csrReader.readCSRRows(layer: nil, rows: start..<min(rows, start + settings.chunkRows), into: &chunk)
                touched += Double(chunk.data[0])
            }
        }
        ours["dense_readall"] = try best(settings.repeats) { _ = try H5ADReader(url: denseURL).readAll() }
        ours["csr_readall"] = try best(settings.repeats) { _ = try H5ADReader(url: csrURL).readAll() }

        let peer = try runPeer(settings, dense: denseURL, csr: csrURL)
        print(
            "checks passed: full and chunked reads equal the written data (touch sum \(touched.isFinite ? "ok" : "nan"))"
        )
        if let version = peer["h5py"] as? String {
            print("peer: h5py \(version) (HDF5 \(peer["hdf5"] ?? "?")), anndata \(peer["anndata"] ?? "-")")
        }
        print(row(["read", "ours s", "ours MB/s", "ours rows/s", "h5py s", "h5py MB/s", "ratio"]))
        for (key, bytes) in [
            ("dense_full", denseBytes), ("dense_chunks", denseBytes), ("csr_full", csrBytes), ("csr_chunks", csrBytes),
        ] {
            let mine = ours[key]!
            let theirs = peer[key] as? Double
            print(
                row([
                    key, String(format: "%.3f", mine), String(format: "%.0f", bytes / 1e6 / mine),
                    String(format: "%.0f", Double(rows) / mine),
                    theirs.map { String(format: "%.3f", $0) } ?? "-",
                    theirs.map { String(format: "%.0f", bytes / 1e6 / $0) } ?? "-",
                    theirs.map { String(format: "%.2f", $0 / mine) } ?? "-",
                ]))
        }
        for (peerKey, ourKey) in [("anndata_dense_full", "dense_readall"), ("anndata_csr_full", "csr_readall")] {
            guard let seconds = peer[peerKey] as? Double, let mine = ours[ourKey] else { continue }
            print(
                row([
                    ourKey, String(format: "%.3f", mine), "", "", String(format: "%.3f", seconds), "anndata",
                    String(format: "%.2f", seconds / mine),
                ]))
        }
        print(
            "ratio = peer time / our time (≥ 1 means we are faster; goal ≥ 0.9). *_readall = H5ADReader.readAll vs anndata.read_h5ad (obs/var included)"
        )
    }

    /// A dense matrix of normal-ish values and a CSR matrix with about `density` of the entries set.
    private static func makeMatrices(rows: Int, cols: Int, density: Double) -> (DenseMatrix, CSRMatrix) {
        var rng = SeededRNG(seed: 20_250_301)
        var values = [Float](repeating: 0, count: rows * cols)
        for i in values.indices { values[i] = rng.nextFloat() * 4 - 2 }
        var data: [Float] = []
        var indices: [Int32] = []
        var indptr: [Int64] = [0]
        data.reserveCapacity(Int(Double(rows * cols) * density * 1.05))
        indices.reserveCapacity(data.capacity)
        let threshold = UInt32(density * Double(UInt32.max))
        for _ in 0..<rows {
            for c in 0..<cols where rng.next32() <= threshold {
                data.append(rng.nextFloat() * 10)
                indices.append(Int32(c))
            }
            indptr.append(Int64(data.count))
        }
        return (
            DenseMatrix(rows: rows, cols: cols, values: values),
            CSRMatrix(rows: rows, cols: cols, data: data, indices: indices, indptr: indptr)
        )
    }

    private static func checksum<C: Collection>(_ values: C) -> Double where C.Element == Float {
        var sum = 0.0
        for v in values { sum += Double(v) }
        return sum
    }

    private static func verify(_ condition: Bool, _ what: String) throws {
        guard condition else { throw InputError("io bench: \(what) does not match the written data") }
    }

    private static func best(_ repeats: Int, _ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    private static func row(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            let width = i == 0 ? 14 : 12
            return i == 0
                ? cell.padding(toLength: width, withPad: " ", startingAt: 0)
                : String(repeating: " ", count: max(0, width - cell.count)) + cell
        }.joined()
    }

    private static func mb(_ bytes: Double) -> String { String(format: "%.0f", bytes / 1e6) }

    private static func runPeer(_ settings: Settings, dense: URL, csr: URL) throws -> [String: Any] {
        let script = peerScript()
        guard FileManager.default.fileExists(atPath: script) else {
            print("peer: \(script) not found; run from the repository root to compare with h5py")
            return [:]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            settings.python, script, "--dense", dense.path, "--csr", csr.path,
            "--chunk-rows", String(settings.chunkRows), "--repeats", String(settings.repeats),
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            print(
                "peer: \(settings.python) \(script) failed (status \(process.terminationStatus)); h5py/anndata missing?"
            )
            return [:]
        }
        return json
    }

    private static func peerScript() -> String {
        let local = FileManager.default.currentDirectoryPath + "/bench/io_peer.py"
        if FileManager.default.fileExists(atPath: local) { return local }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("bench/io_peer.py").path
    }
}
