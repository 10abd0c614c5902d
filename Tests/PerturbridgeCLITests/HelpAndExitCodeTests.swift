import PerturbTestSupport
import XCTest

/// `--help` of every command and the exit-code convention (0 success, 1 user error, 2 internal error).
final class HelpAndExitCodeTests: XCTestCase {
    /// The commands the product must offer (issue 8); commands found in `--help` beyond these are checked too.
    static let requiredCommands = [
        "inspect", "fingerprint", "simulate", "effects", "split", "agreement", "pretrain", "embed", "evaluate",
    ]

    /// Subcommand names listed under SUBCOMMANDS: in a help text.
    static func subcommands(in help: String) -> [String] {
        var names: [String] = [], inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") { inSection = true; continue }
            guard inSection else { continue }
            if !line.isEmpty && !line.hasPrefix(" ") { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let first = trimmed.split(separator: " ").first,
                !trimmed.hasPrefix("See ")
            else { continue }
            names.append(String(first))
        }
        return names.filter { $0 != "help" }
    }

    /// Lines of the discussion (between the overview and USAGE) that end early inside a prose paragraph although the
    /// next word would have fit in 80 columns: text hard-wrapped in the source and wrapped again by the parser.
    static func raggedLines(in help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }),
            let start = lines.firstIndex(where: { $0.isEmpty }), start < usage
        else { return [] }
        var ragged: [String] = []
        for i in (start + 1)..<usage where !lines[i].isEmpty && !lines[i].hasPrefix(" ") {
            let next = lines[i + 1]
            let insideParagraph = !next.isEmpty && !next.hasPrefix(" ") && !lines[i].hasSuffix(":")
            let nextWord = next.split(separator: " ").first.map(String.init) ?? ""
            // The parser wraps lines to fewer than 80 columns: the next word would have fit on this line.
            if insideParagraph && lines[i].count + 1 + nextWord.count < 80 { ragged.append(lines[i]) }
        }
        return ragged
    }

    func testEveryCommandHasHelpWithAnExample() throws {
        let root = try runOK(["--help"])
        XCTAssertTrue(root.stdout.contains("Exit codes"), root.transcript)
        let listed = Self.subcommands(in: root.stdout)
        for command in Self.requiredCommands {
            XCTAssertTrue(
                listed.contains(command), "`perturbridge --help` does not list '\(command)' (listed: \(listed))")
        }
        var queue = listed.map { [$0] }
        var checked = 0
        while let path = queue.first {
            queue.removeFirst()
            let help = try runOK(path + ["--help"])
            checked += 1
            let text = help.stdout
            XCTAssertTrue(text.contains("USAGE: perturbridge \(path.joined(separator: " "))"), help.transcript)
            XCTAssertTrue(
                text.range(of: "example", options: .caseInsensitive) != nil,
                "no example in the help of \(path):\n\(text)")
            XCTAssertTrue(
                text.contains("perturbridge \(path.joined(separator: " ")) "),
                "the help of \(path) shows no example invocation of itself:\n\(text)")
            for short in Self.raggedLines(in: text) {
                XCTFail("the help of \(path) is wrapped twice (a short line inside a paragraph): '\(short)'")
            }
            queue += Self.subcommands(in: text).map { path + [$0] }
        }
        XCTAssertGreaterThanOrEqual(checked, Self.requiredCommands.count)
    }

    func testVersionAndUsageErrors() throws {
        let version = try runOK(["--version"])
        XCTAssertFalse(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        // Usage mistakes are user errors (1), with ArgumentParser's message and the usage line.
        try runUserError(["no-such-command"], mentions: ["no-such-command"])
        try runUserError(["inspect"], mentions: ["Missing expected argument"])
        try runUserError(["simulate", "--output", "x", "--size", "huge"], mentions: ["huge"])
        try runUserError(
            ["split", "--effects", "a.h5ad", "--kind", "sideways", "--output", "s.tsv"], mentions: ["sideways"])
        try runUserError(
            ["evaluate", "op3", "--effects", "a.h5ad", "--output", "o", "--test-fraction", "1.5"],
            mentions: ["--test-fraction"])
        try runUserError(
            ["evaluate", "op3", "--effects", "a.h5ad", "--output", "o", "--predictor", "slow"],
            mentions: ["slow"])
        try runUserError(
            ["evaluate", "op3", "--effects", "a.h5ad", "--output", "o", "--epochs-scale", "0"],
            mentions: ["--epochs-scale"])
        try runUserError(
            ["agreement", "--effects", "a.h5ad", "--output", "o", "--match", "colour"], mentions: ["colour"])
        try runUserError(
            ["fingerprint", "--input", "a.csv", "--smiles-column", "s", "--output", "fp.parquet"],
            mentions: ["fp.parquet"])
    }
}
