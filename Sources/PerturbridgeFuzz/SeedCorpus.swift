import Foundation
import PerturbBase
import PerturbIO

/// Where seed inputs come from: the shared real-data fixtures (`../shared/data`), the fixtures the fuzz script
/// makes with the CLI (simulator output, a training run, a split), and the repository's configs. A missing file
/// leaves its seed out (noted once on stderr) so a partial checkout still fuzzes what it has.
struct SeedCorpus {
    let shared: URL
    let fixtures: URL
    let configs: URL

    /// A whole file as one seed, or nil (with a note) when it is absent.
    func file(_ url: URL, _ format: SeedFormat, label: String? = nil) -> Seed? {
        guard let bytes = read(url) else { return nil }
        return Seed(label: label ?? url.lastPathComponent, files: [seedFile(url.lastPathComponent, bytes, format)])
    }

    /// A file of the shared data folder as one seed.
    func shared(_ path: String, _ format: SeedFormat) -> Seed? { file(shared.appendingPathComponent(path), format) }

    /// A file of the fixtures folder as one seed.
    func fixture(_ path: String, _ format: SeedFormat) -> Seed? { file(fixtures.appendingPathComponent(path), format) }

    /// The first `lines` lines of a shared text file (gzip read through zlib), after `header` when the file has none,
    /// keeping only lines that `keep` accepts; saved as `name` in `format`.
    func sharedHead(
        _ path: String, lines: Int, header: String? = nil, name: String, format: SeedFormat,
        keep: (Substring) -> Bool = { _ in true }
    ) -> Seed? {
        let url = shared.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path), let bytes = try? TextFile.readBytes(url) else {
            return missing(url)
        }
        var kept = header.map { [ArraySlice<UInt8>(Array($0.utf8))] } ?? []
        var start = 0
        while kept.count < lines && start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = bytes[start..<end]
            if kept.isEmpty || keep(Substring(decoding: line, as: UTF8.self)) { kept.append(line) }
            start = end + 1
        }
        let text = Array(kept.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")]
        return Seed(label: "\(name) (head of \(path))", files: [seedFile(name, text, format)])
    }

    /// A seed of several files read together (the first is the one the reader opens), or nil if one is absent.
    func group(_ urls: [URL], _ formats: [SeedFormat], label: String) -> Seed? {
        var files: [SeedFile] = []
        for (url, format) in zip(urls, formats) {
            guard let bytes = read(url) else { return nil }
            files.append(seedFile(url.lastPathComponent, bytes, format))
        }
        return Seed(label: label, files: files)
    }

    /// A seed file; gzip text is stored decompressed with its compressed form beside it.
    func seedFile(_ name: String, _ bytes: [UInt8], _ format: SeedFormat) -> SeedFile {
        guard format == .gzipText else { return SeedFile(name: name, bytes: bytes, format: format) }
        let isGzip = bytes.starts(with: [0x1f, 0x8b])
        let text = isGzip ? SeedCorpus.gunzip(bytes) : bytes
        return SeedFile(name: name, bytes: text, format: format, compressed: isGzip ? bytes : SeedCorpus.gzip(text))
    }

    /// `text` gzip-compressed (zlib level 6, as `TextFile.write` writes `.gz` files).
    static func gzip(_ text: [UInt8]) -> [UInt8] {
        let url = scratchURL("gz")
        defer { try? FileManager.default.removeItem(at: url) }
        guard (try? TextFile.write(text, to: url)) != nil,
            let data = FileManager.default.contents(atPath: url.path)
        else {
            return text
        }
        return [UInt8](data)
    }

    /// Gzip bytes decompressed (through `TextFile`, as the readers do).
    private static func gunzip(_ bytes: [UInt8]) -> [UInt8] {
        let url = scratchURL("gz")
        defer { try? FileManager.default.removeItem(at: url) }
        guard FileManager.default.createFile(atPath: url.path, contents: Data(bytes)) else { return bytes }
        return (try? TextFile.readBytes(url)) ?? bytes
    }

    private static func scratchURL(_ ext: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("perturbridge-fuzz-\(getpid()).\(ext)")
    }

    private func read(_ url: URL) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return missing(url) }
        return [UInt8](data)
    }

    private func missing<T>(_ url: URL) -> T? {
        FileHandle.standardError.write(Data("perturbridge-fuzz: seed \(url.path) not found, left out\n".utf8))
        return nil
    }
}
