import Foundation
import XCTest

/// Runs the built `perturbridge` executable (the one beside the test bundle) as a child process.
public enum CLI {
    /// The executable: `$PERTURBRIDGE_BIN`, or `perturbridge` in the build folder that holds the test bundle;
    /// `Requirement.missing` when there is none.
    public static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["PERTURBRIDGE_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var folders = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("perturbridge")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Requirement.missing(
            "perturbridge executable not found beside the test bundle (looked in "
                + folders.map(\.path).joined(separator: ", ")
                + "); build it first (`swift build --build-tests`) or set PERTURBRIDGE_BIN")
    }

    /// Another executable of the package (`perturbridge-fuzz`, `perturbridge-bench`) in the folder of `executable()`;
    /// `Requirement.missing` when it was not built.
    public static func sibling(_ name: String) throws -> URL {
        let url = try executable().deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Requirement.missing("\(name) not built beside perturbridge (\(url.path))")
        }
        return url
    }

    /// Runs `perturbridge arguments…` (or `executable arguments…`, such as mpirun) in `directory` and waits for it,
    /// killing it after `timeout` seconds (a failure).
    public static func run(
        _ arguments: [String], in directory: URL? = nil, executable: URL? = nil,
        timeout: TimeInterval = 60, file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> ProcessResult {
        try Subprocess.run(
            executable ?? CLI.executable(), arguments, in: directory, timeout: timeout,
            file: file, line: line)
    }

    /// Starts `perturbridge arguments…` (or `executable arguments…`) without waiting for it.
    public static func start(
        _ arguments: [String], in directory: URL? = nil,
        executable: URL? = nil
    ) throws -> Subprocess {
        try Subprocess(executable ?? CLI.executable(), arguments, in: directory)
    }
}
