import Foundation
import PerturbBase
import XCTest

/// What a test needs from outside the package — a Python module, R, a `../shared` fixture, a built executable — and
/// the one rule for when it is missing: the test is skipped on a developer machine and fails under CI (`CI=true`), so
/// a broken install cannot turn oracle checks green as skips.
public enum Requirement {
    /// True under CI (`CI=true`, set by `.ci/run`): a missing requirement is a failure, not a skip.
    public static var isStrict: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The error a test throws when `what` is missing: `XCTSkip` locally, a `MissingRequirement` failure under CI.
    public static func missing(_ what: String) -> Error {
        isStrict ? MissingRequirement(description: "\(what) (CI=true: a missing requirement fails)") : XCTSkip(what)
    }

    /// A file or folder under `../shared/data` (`SharedData.dataFile`), or `missing` when it is absent.
    public static func sharedFile(_ relativePath: String) throws -> URL {
        guard let url = SharedData.dataFile(relativePath) else {
            throw missing("../shared/data/\(relativePath) is absent")
        }
        return url
    }

    /// A file under `../shared/` outside `data/` (e.g. `reference/...`), or `missing` when it is absent.
    public static func sharedPath(_ relativePath: String) throws -> URL {
        guard let root = SharedData.root() else { throw missing("../shared is absent") }
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw missing("../shared/\(relativePath) is absent")
        }
        return url
    }

    /// For the optional part of a test: a file under `../shared/` (`reference/...`, `data/...`), or nil when it is
    /// absent — except under CI, where its absence throws `missing` (fails).
    public static func sharedPathIfPresent(_ relativePath: String) throws -> URL? {
        do { return try sharedPath(relativePath) } catch is XCTSkip { return nil }
    }
}

/// A requirement missing under CI: thrown from a test, XCTest records it as a failure.
public struct MissingRequirement: Error, CustomStringConvertible {
    public let description: String
}
