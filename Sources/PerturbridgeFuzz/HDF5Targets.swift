import Foundation
import PerturbData
import PerturbIO
import PerturbModel

/// The readers of HDF5 inputs: `.h5ad` (what `inspect` and the whole-file readers do), our effects store (what
/// `effects --format effects`, `split --effects` and `pretrain` read), and GCTX (what `inspect` and `effects` read).
extension FuzzTarget {
    static func h5ad(_ corpus: SeedCorpus) -> FuzzTarget {
        let seeds = [
            corpus.fixture("sim/sim_op3.h5ad", .binary),
            corpus.shared("h5ad-scanpy-pbmc68k/pbmc68k_reduced.h5ad", .binary),
            corpus.shared("h5ad-scanpy-pbmc68k/pbmc68k_reduced_legacy.h5ad", .binary),
        ]
        return FuzzTarget(
            name: "h5ad", entryPoints: "H5ADReader: open, describeMatrix, names/describeElement, readAll",
            seeds: seeds.compactMap { $0 }
        ) { url in
            let reader = try H5ADReader(url: url)
            if reader.hasX { _ = try reader.describeMatrix(layer: nil) }
            for name in reader.layerNames { _ = try reader.describeMatrix(layer: name) }
            for group in ["obsm", "varm", "obsp", "varp"] {
                for name in try reader.names(in: group) { _ = try reader.describeElement("\(group)/\(name)") }
            }
            _ = try reader.names(in: "uns")
            _ = try reader.readAll()
        }
    }

    static func effects(_ corpus: SeedCorpus) -> FuzzTarget {
        let seeds = [
            corpus.fixture("sim/sim_l1000.h5ad", .binary),
            corpus.fixture("sim/sim_op3.h5ad", .binary),
            corpus.fixture("panels.h5ad", .binary),
        ]
        return FuzzTarget(
            name: "effects",
            entryPoints: "EffectsReader (streamed row chunks), EffectsTable.read, ConditionSource",
            seeds: seeds.compactMap { $0 }
        ) { url in
            let reader = try EffectsReader(url: url)
            for rows in reader.chunks(size: 64) { _ = try reader.read(rows: rows) }
            _ = try EffectsTable.read(url)
            var buffer: [Float] = []
            for rows in reader.chunks(size: 100) { try reader.withLogFC(rows: rows, buffer: &buffer) { _ in } }
        }
    }

    static func gctx(_ corpus: SeedCorpus) -> FuzzTarget {
        let seeds = [
            corpus.shared("l1000-cmapr/modzs_n25x50.gctx", .binary),
            corpus.shared("l1000-cmappy/mini_gctoo_for_testing.gctx", .binary),
            corpus.shared("l1000-signaturesearch/test_sample_n2x12328.gctx", .binary),
            corpus.shared("l1000-cmappy/tsne_n2x1203.gctx", .binary),
        ]
        return FuzzTarget(
            name: "gctx", entryPoints: "GCTReader.read, L1000Ingest (limma, as `effects`)",
            seeds: seeds.compactMap { $0 }, run: readGCT)
    }

    /// What `inspect` and `effects --format gct` do with a GCT or GCTX file.
    static func readGCT(_ url: URL) throws {
        let gct = try GCTReader.read(url)
        var options = L1000Ingest.Options(dataset: "fuzz")
        options.builder = EffectBuilder.Options(statistics: true, keepReplicates: false, method: .limma)
        var report = IngestReport(source: url.lastPathComponent, format: "gct")
        _ = try L1000Ingest.ingest(gct, file: url.path, resolver: CompoundResolver(), options: options, report: &report)
    }
}
