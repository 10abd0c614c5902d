import ArgumentParser
import Foundation
import PerturbIO

/// `perturbridge inspect FILE`: a summary of an .h5ad, .gct or .gctx file without loading its matrices.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize an .h5ad, .gct or .gctx file, a training run folder or a checkpoint.",
        discussion: """
            Prints the shape, X and layers with their storage (dense/CSR/CSC) and dtype, obs/var (or GCT row/column \
            metadata) columns with their types, a few values and category counts, obsm/varm and uns keys. On a run \
            folder (pretrain --output) or a .safetensors checkpoint: run.json and config.json, the checkpoint's \
            vocabulary sizes and parameter count.

            Example:
              perturbridge inspect ../shared/data/h5ad-scanpy-pbmc68k/pbmc68k_reduced.h5ad
              perturbridge inspect ../shared/data/l1000-cmappy/test_l1000.gct --values 5
              perturbridge inspect checkpoints/all
            """
    )

    @Argument(help: "File to inspect (.h5ad, .gct, .gctx, a run folder or a .safetensors checkpoint).") var file: String
    @Option(help: "How many example values to show per column.") var values = 3
    @Option(help: "How many categories (with counts) to show per categorical column.") var categories = 10

    func run() throws {
        let url = URL(fileURLWithPath: file)
        if InspectRun.handles(url) { return try InspectRun.print(url) }
        switch url.pathExtension.lowercased() {
        case "gct", "gctx": try inspectGCT(url)
        default: try inspectH5AD(url)
        }
    }

    private func inspectH5AD(_ url: URL) throws {
        let reader = try H5ADReader(url: url)
        print("\(file): AnnData (\(reader.isLegacyLayout ? "pre-0.7 legacy layout" : "current encoding"))")
        print("shape: \(reader.shape.rows) obs × \(reader.shape.cols) var")
        if reader.hasX { print("X: \(try matrixLine(reader, nil))") } else { print("X: none") }
        print("layers: \(reader.layerNames.isEmpty ? "none" : "")")
        for name in reader.layerNames { print("  \(name): \(try matrixLine(reader, name))") }
        printFrame("obs", reader.obs)
        printFrame("var", reader.var)
        for group in ["obsm", "varm", "obsp", "varp"] {
            let names = try reader.names(in: group)
            guard !names.isEmpty else { continue }
            print("\(group):")
            for name in names { print("  \(name): \(try reader.describeElement("\(group)/\(name)"))") }
        }
        let unsKeys = try reader.names(in: "uns")
        print("uns keys: \(unsKeys.isEmpty ? "none" : unsKeys.joined(separator: ", "))")
    }

    private func matrixLine(_ reader: H5ADReader, _ layer: String?) throws -> String {
        let info = try reader.describeMatrix(layer: layer)
        let stored = info.encoding == "dense" ? "" : ", \(info.stored) stored values"
        return "\(info.encoding) \(info.dtype) \(reader.shape.rows)×\(reader.shape.cols)\(stored)"
    }

    private func inspectGCT(_ url: URL) throws {
        let gct = try GCTReader.read(url)
        let values = gct.matrix.values
        let finite = values.filter { !$0.isNaN }
        print("\(file): \(url.pathExtension.lowercased() == "gctx" ? "GCTX (HDF5)" : "GCT text")")
        print("shape: \(gct.matrix.rows) rows (features) × \(gct.matrix.cols) columns (samples)")
        if let low = finite.min(), let high = finite.max() {
            print(
                String(
                    format: "values: float32, min %.4g, max %.4g, %d missing (NaN / -666)", low, high,
                    values.count - finite.count))
        }
        printFrame("row metadata", gct.rowMeta)
        printFrame("column metadata", gct.colMeta)
    }

    private func printFrame(_ title: String, _ frame: DataFrame) {
        let examples = frame.index.prefix(values).joined(separator: ", ")
        print(
            "\(title): \(frame.count) rows, \(frame.columns.count) columns; index: \(examples)\(frame.count > values ? ", ..." : "")"
        )
        let width = min(28, frame.columnNames.map(\.count).max() ?? 0)
        for (name, data) in frame.columns {
            let label = name.padding(toLength: max(width, name.count), withPad: " ", startingAt: 0)
            let type = data.typeName.padding(toLength: max(18, data.typeName.count), withPad: " ", startingAt: 0)
            print("  \(label)  \(type)  \(summary(data))")
        }
    }

    private func summary(_ data: ColumnData) -> String {
        if case .categorical(let codes, let labels, _) = data {
            var counts = [Int](repeating: 0, count: labels.count)
            var missing = 0
            for code in codes { if code >= 0 { counts[Int(code)] += 1 } else { missing += 1 } }
            var parts = zip(labels, counts).prefix(categories).map { "\($0) (\($1))" }
            if labels.count > categories { parts.append("... \(labels.count - categories) more") }
            if missing > 0 { parts.append("missing (\(missing))") }
            return parts.joined(separator: ", ")
        }
        let texts: [String]
        if case .float64(let numbers) = data {
            texts = numbers.map { $0.isNaN ? "" : String(format: "%.6g", $0) }
        } else {
            texts = data.stringValues()
        }
        let shown = texts.prefix(values).map { $0.isEmpty ? "<missing>" : $0 }.joined(separator: ", ")
        var extra = ""
        if case .strings = data { extra = "  [\(Set(texts).count) distinct]" }
        if let numbers = data.doubleValues(), data.typeName != "string", data.typeName != "bool" {
            let present = numbers.filter { !$0.isNaN }
            if let low = present.min(), let high = present.max() {
                extra = String(format: "  [min %.4g, max %.4g]", low, high)
            }
        }
        return shown + (texts.count > values ? ", ..." : "") + extra
    }
}
