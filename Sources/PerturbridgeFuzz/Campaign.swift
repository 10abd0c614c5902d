import Foundation
import PerturbBase

/// Settings of a fuzz run.
struct CampaignOptions {
    var cases: Int
    var first: Int
    /// Stop a reader after this many seconds even if cases remain (0: no limit).
    var seconds: Double
    var seed: UInt64
    var timeout: Double
    var memoryBytes: Int
    /// Where damaged inputs are written (a RAM disk such as /dev/shm).
    var work: URL
    /// Where failing cases are kept, one folder per case (nil: not kept).
    var keep: URL?
    /// Also keep the cases whose stderr contains this text (to study one kind of error).
    var keepMatching: String?
    /// A TSV line per case (reader, case, outcome, seconds, first line of stderr) is appended here.
    var log: FileHandle?
}

/// Runs seeded cases of one reader: each case picks a seed and one of its files, damages it one to three times
/// (`ByteMutator`, `TextMutator`), writes the seed's files to the work folder and runs the reader in a forked child
/// (`ForkedCase`). The same (seed, reader, case number) always makes the same input.
struct Campaign {
    let target: FuzzTarget
    let options: CampaignOptions

    func run(progress: Bool) throws -> ReaderSummary {
        var summary = ReaderSummary(reader: target.name)
        guard !target.seeds.isEmpty else { return summary }
        let folder = options.work.appendingPathComponent("perturbridge-fuzz-\(getpid())-\(target.name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        warmUp(in: folder)
        let started = ForkedCase.monotonicSeconds()
        for index in options.first..<(options.first + options.cases) {
            if options.seconds > 0 && ForkedCase.monotonicSeconds() - started > options.seconds { break }
            let input = makeInput(index)
            try clear(folder)
            for (name, bytes) in input.files {
                let path = folder.appendingPathComponent(name).path
                guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                    throw InputError("\(folder.path): cannot write the case files")
                }
            }
            let primary = folder.appendingPathComponent(input.files[0].name)
            let result = ForkedCase.run(timeout: options.timeout, memoryBytes: options.memoryBytes) {
                try target.run(primary)
            }
            summary.add(result, case: index, damage: input.description, folder: folder.path)
            let matches = options.keepMatching.map { result.stderr.contains($0) } ?? false
            if result.outcome.isFailure || matches, let keep = options.keep {
                try self.keep(input, result, index: index, in: keep)
            }
            if let log = options.log {
                let message = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
                let seconds = String(format: "%.3f", result.seconds)
                log.write(Data("\(target.name)\t\(index)\t\(result.outcome.name)\t\(seconds)\t\(message)\n".utf8))
            }
            if progress && (index - options.first + 1) % 1000 == 0 {
                ProgressReporter.log(
                    "\(target.name): \(index - options.first + 1) cases, "
                        + "\(summary.failureCount) failures, "
                        + String(format: "%.0f s", ForkedCase.monotonicSeconds() - started))
            }
        }
        summary.seconds = ForkedCase.monotonicSeconds() - started
        return summary
    }

    /// Runs the reader once on each undamaged seed in this process, so libraries initialize (libhdf5, RDKit, zlib)
    /// once here instead of in every forked child.
    private func warmUp(in folder: URL) {
        for seed in target.seeds {
            for file in seed.files {
                try? Data(file.compressed ?? file.bytes).write(to: folder.appendingPathComponent(file.name))
            }
            try? target.run(folder.appendingPathComponent(seed.files[0].name))
        }
    }

    /// The damaged input of case `index`: every file of the chosen seed (one of them damaged) and what was done.
    func makeInput(_ index: Int) -> (files: [(name: String, bytes: [UInt8])], description: String) {
        var rng = SeededRNG.derived(seed: options.seed, label: "\(target.name):\(index)")
        let seed = target.seeds[rng.nextInt(below: target.seeds.count)]
        let damaged = rng.nextInt(below: seed.files.count)
        var files: [(name: String, bytes: [UInt8])] = []
        var steps: [String] = []
        for (k, file) in seed.files.enumerated() {
            guard k == damaged else {
                files.append((file.name, file.compressed ?? file.bytes))
                continue
            }
            let rounds = rng.nextDouble() < 0.6 ? 1 : (rng.nextDouble() < 0.6 ? 2 : 3)
            var bytes = file.bytes
            var compressBack = false
            switch file.format {
            case .binary:
                for _ in 0..<rounds { steps.append(ByteMutator.mutate(&bytes, rng: &rng)) }
            case .text:
                for _ in 0..<rounds {
                    let binary = rng.nextInt(below: 5) == 0
                    steps.append(binary ? ByteMutator.mutate(&bytes, rng: &rng) : TextMutator.mutate(&bytes, rng: &rng))
                }
            case .gzipText:
                if rng.nextDouble() < 0.5 {
                    for _ in 0..<rounds { steps.append(TextMutator.mutate(&bytes, rng: &rng)) }
                    compressBack = true
                } else {
                    bytes = file.compressed ?? bytes
                    for _ in 0..<rounds { steps.append("gzip bytes: " + ByteMutator.mutate(&bytes, rng: &rng)) }
                }
            }
            files.append((file.name, compressBack ? SeedCorpus.gzip(bytes) : bytes))
        }
        return (files, "\(seed.label): \(seed.files[damaged].name): " + steps.joined(separator: "; "))
    }

    /// Runs `target` on the undamaged `seed` (written to `folder`) in a forked child: a seed the reader rejects
    /// still fuzzes the parsing before the rejection, but less of the reader.
    static func runUndamaged(_ seed: Seed, of target: FuzzTarget, in folder: URL) throws -> CaseResult {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in seed.files {
            try Data(file.compressed ?? file.bytes).write(to: folder.appendingPathComponent(file.name))
        }
        let primary = folder.appendingPathComponent(seed.files[0].name)
        return ForkedCase.run(timeout: 60, memoryBytes: 4096 << 20) { try target.run(primary) }
    }

    private func clear(_ folder: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// Saves a failing case's files and an `outcome.txt` (damage, outcome, time, stderr) in `keep/<reader>/case-N`.
    private func keep(
        _ input: (files: [(name: String, bytes: [UInt8])], description: String), _ result: CaseResult,
        index: Int, in keep: URL
    ) throws {
        let folder = keep.appendingPathComponent(target.name).appendingPathComponent("case-\(index)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, bytes) in input.files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        let replayFile = folder.appendingPathComponent(input.files[0].name).path
        let report = """
            reader: \(target.name)
            case: \(index) (seed \(options.seed))
            damage: \(input.description)
            outcome: \(result.outcome.name) after \(String(format: "%.3f", result.seconds)) s
            replay: perturbridge-fuzz replay --reader \(target.name) \(replayFile)
            stderr:
            \(result.stderr)
            """
        try Data(report.utf8).write(to: folder.appendingPathComponent("outcome.txt"))
    }
}
