import Foundation
import PerturbBase

/// How a seed file is damaged: its bytes (binary formats), its text tokens, or — for gzip text — either the
/// decompressed text (written recompressed) or the compressed bytes.
enum SeedFormat {
    case binary, text, gzipText
}

/// One file of a seed: its name in the case folder, its content (decompressed for `gzipText`) and its format.
struct SeedFile {
    let name: String
    let bytes: [UInt8]
    let format: SeedFormat
    /// Only for `gzipText`: the gzip-compressed `bytes`.
    let compressed: [UInt8]?

    init(name: String, bytes: [UInt8], format: SeedFormat, compressed: [UInt8]? = nil) {
        self.name = name
        self.bytes = bytes
        self.format = format
        self.compressed = compressed
    }
}

/// An input a reader opens: one file, or a file with companions it reads beside it (a checkpoint and its JSON
/// sidecar). The first file is the one the reader is pointed at; any one of the files is damaged per case.
struct Seed {
    let label: String
    let files: [SeedFile]
}

/// A reader a user can point at a file, as the CLI calls it: `run` gets the path of the (damaged) primary file and
/// must return or throw a `UserInputError` — anything else (a signal, another error, a hang) is a finding.
struct FuzzTarget {
    let name: String
    /// What `run` calls, for the summary.
    let entryPoints: String
    let seeds: [Seed]
    let run: (URL) throws -> Void
}
