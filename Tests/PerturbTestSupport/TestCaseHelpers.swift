import Foundation
import PerturbBase
import XCTest

extension XCTestCase {
    /// A fresh folder `<tmp>/perturbridge-<label>-<uuid>`, removed after the test.
    public func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "perturbridge-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Runs the CLI and asserts exit status 0.
    @discardableResult
    public func runOK(
        _ arguments: [String], timeout: TimeInterval = 60, file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> ProcessResult {
        let result = try CLI.run(arguments, timeout: timeout, file: file, line: line)
        XCTAssertEqual(result.status, 0, result.transcript, file: file, line: line)
        return result
    }

    /// Runs the CLI and asserts a user error: exit status 1 (never 2, the internal-error code), a message on stderr
    /// that contains every one of `mentions`, and no crash trace.
    @discardableResult
    public func runUserError(
        _ arguments: [String], mentions: [String], timeout: TimeInterval = 60,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProcessResult {
        let result = try CLI.run(arguments, timeout: timeout, file: file, line: line)
        XCTAssertNotEqual(
            result.status, 2, "a user error was reported as an internal error:\n\(result.transcript)",
            file: file, line: line)
        XCTAssertEqual(result.status, 1, "expected exit 1 (user error):\n\(result.transcript)", file: file, line: line)
        for text in mentions {
            XCTAssertTrue(
                result.stderr.contains(text), "the message should mention '\(text)':\n\(result.transcript)",
                file: file, line: line)
        }
        XCTAssertFalse(
            result.stderr.contains("Fatal error") || result.stderr.contains("Stack dump"), result.transcript,
            file: file, line: line)
        return result
    }
}

/// Asserts that `expression` throws a user error (a `UserInputError`, which the CLI reports with exit 1) whose
/// message mentions every one of `mentions`: not a crash, an internal error or a silent success.
public func assertUserError<T>(
    _ expression: @autoclosure () throws -> T, mentions: [String],
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        XCTAssertTrue(error is UserInputError, "not a user error: \(type(of: error)) \(error)", file: file, line: line)
        let text = "\(error)"
        for mention in mentions {
            XCTAssertTrue(
                text.contains(mention), "the error should mention '\(mention)': \(text)", file: file, line: line)
        }
    }
}
