import ArgumentParser
import Foundation
import PerturbBase

/// `perturbridge-fuzz`: in-process mutation fuzzing of every reader a user can point at a file (see `run --help`).
@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perturbridge-fuzz",
        abstract: "Mutation fuzzing of perturbridge's readers: damaged inputs must give exit 1 with a message, "
            + "never a crash or hang.",
        subcommands: [Run.self, Replay.self, List.self],
        defaultSubcommand: Run.self
    )
}

/// Where seeds come from, shared by the subcommands.
struct CorpusOptions: ParsableArguments {
    @Option(help: "Shared data folder (default: $PERTURBRIDGE_SHARED/data or ../shared/data).") var shared: String?
    @Option(
        help: ArgumentHelp(
            "Fixtures made with the CLI (by scripts/make-fuzz-fixtures.sh): sim/, run/, "
                + "split.tsv, panels.h5ad, test_l1000_head.gct."))
    var fixtures = ".build/fuzz-fixtures"
    @Option(help: "Folder of config JSON files.") var configs = "experiments/pretrain"

    var corpus: SeedCorpus {
        let sharedData =
            shared.map { URL(fileURLWithPath: $0) }
            ?? SharedData.root()?.appendingPathComponent("data") ?? URL(fileURLWithPath: "../shared/data")
        return SeedCorpus(
            shared: sharedData, fixtures: URL(fileURLWithPath: fixtures),
            configs: URL(fileURLWithPath: configs))
    }

    /// Every reader's name and constructor, in the order they are run.
    static let readers: [(name: String, make: (SeedCorpus) -> FuzzTarget)] = [
        ("h5ad", FuzzTarget.h5ad), ("effects", FuzzTarget.effects), ("gctx", FuzzTarget.gctx), ("gct", FuzzTarget.gct),
        ("checkpoint", FuzzTarget.checkpoint), ("resume", FuzzTarget.resume), ("split", FuzzTarget.split),
        ("config", FuzzTarget.config), ("manifest", FuzzTarget.manifest),
        ("signatures", FuzzTarget.signatures), ("compounds", FuzzTarget.compounds),
    ]

    /// The readers named (every reader when `names` is empty), with their seeds loaded.
    func targets(named names: [String] = []) throws -> [FuzzTarget] {
        let c = corpus
        return try (names.isEmpty ? Self.readers.map(\.name) : names).map { name in
            guard let reader = Self.readers.first(where: { $0.name == name }) else {
                let known = Self.readers.map(\.name).joined(separator: ", ")
                throw ValidationError("unknown reader '\(name)'; readers: \(known)")
            }
            return reader.make(c)
        }
    }
}

extension FuzzCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run seeded damaged cases of each reader in forked children and print a summary per reader.",
            discussion: """
                Exit status 1 when any case crashed (a signal), hung (killed at --timeout), threw an error that is not a \
                user error (the CLI's exit 2) or an error with an empty message; those cases are kept in --keep \
                (files + outcome.txt) for `replay`. Exits 1 from the HDF5 guard are counted as errors, in the guarded \
                column. Errors whose message does not name the file are counted and shown. The same --seed and case \
                numbers make the same inputs.
                """
        )

        @OptionGroup var corpus: CorpusOptions
        @Option(name: .customLong("reader"), help: "Reader to fuzz (repeatable; default every reader, see `list`).")
        var readers: [String] = []
        @Option(help: "Cases per reader.") var cases = 1000
        @Option(help: "Number of the first case (to continue a run).") var first = 0
        @Option(help: "Seconds per reader at most (0: run every case).") var seconds = 0.0
        @Option(help: "Seed of the damage.") var seed: UInt64 = 18
        @Option(help: "Seconds a case may run before it counts as a hang.") var timeout = 10.0
        @Option(help: "Address-space limit of a case, MiB (0: none, for sanitizer builds).") var memoryMb = 4096
        @Option(help: "Folder for the damaged inputs (a RAM disk).")
        var work = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        @Option(help: "Folder for failing cases.") var keep = "/tmp/perturbridge-fuzz-keep"
        @Option(help: "Also keep the cases whose stderr contains this text.") var keepMatching: String?
        @Option(help: "Write a TSV line per case here (reader, case, outcome, seconds, message).") var log: String?
        @Flag(help: "No progress on stderr.") var quiet = false

        func run() throws {
            var logHandle: FileHandle?
            if let log {
                guard FileManager.default.createFile(atPath: log, contents: nil),
                    let handle = FileHandle(forWritingAtPath: log)
                else {
                    throw ValidationError("--log \(log): cannot create the file")
                }
                logHandle = handle
            }
            let options = CampaignOptions(
                cases: cases, first: first, seconds: seconds, seed: seed, timeout: timeout,
                memoryBytes: memoryMb << 20, work: URL(fileURLWithPath: work),
                keep: URL(fileURLWithPath: keep), keepMatching: keepMatching, log: logHandle)
            var summaries: [ReaderSummary] = []
            for target in try corpus.targets(named: readers) {
                if target.seeds.isEmpty { ProgressReporter.log("\(target.name): no seeds found, skipped") }
                let summary = try Campaign(target: target, options: options).run(progress: !quiet)
                print(summary.report)
                summaries.append(summary)
            }
            print(
                "perturbridge-fuzz: seed \(seed), cases \(first)..<\(first + cases) per reader, "
                    + "timeout \(timeout) s, \(memoryMb) MiB")
            print(ReaderSummary.header)
            for summary in summaries { print(summary.row) }
            if summaries.contains(where: { $0.failureCount > 0 }) {
                print("failing cases kept in \(keep)")
                throw ExitCode(1)
            }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one reader on a file in this process (no fork, no limits), so a crash shows its backtrace.")

        @OptionGroup var corpus: CorpusOptions
        @Option(help: "Reader (see `list`).") var reader: String
        @Argument(help: "Input file (a kept case's file).") var file: String

        func run() throws {
            let target = try corpus.targets(named: [reader])[0]
            do {
                try target.run(URL(fileURLWithPath: file))
                print("ok")
            } catch let error as UserInputError {
                print("error: \(error.description)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the readers, what each calls and its seeds, with the outcome of each undamaged seed.")

        @OptionGroup var corpus: CorpusOptions

        func run() throws {
            let work = URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent("perturbridge-fuzz-list-\(getpid())")
            defer { try? FileManager.default.removeItem(at: work) }
            for target in try corpus.targets() {
                print("\(target.name): \(target.entryPoints)")
                for seed in target.seeds {
                    let result = try Campaign.runUndamaged(seed, of: target, in: work)
                    let message = result.stderr.split(separator: "\n").first.map { " — \($0.prefix(160))" } ?? ""
                    let files = seed.files.map { "\($0.name) \($0.bytes.count) bytes" }.joined(separator: ", ")
                    print(
                        "  \(seed.label) (\(files)) → \(result.outcome.name) in "
                            + String(format: "%.3f s", result.seconds) + message)
                }
            }
        }
    }
}
