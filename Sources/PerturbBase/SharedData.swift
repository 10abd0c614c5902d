import Foundation

/// Locates the project's shared real datasets (`../shared/data` beside the checkout, or `$PERTURBRIDGE_SHARED`).
public enum SharedData {
    /// The `shared` folder, if present.
    public static func root(relativeTo file: String = #filePath) -> URL? {
        if let env = ProcessInfo.processInfo.environment["PERTURBRIDGE_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("Package.swift")
            if FileManager.default.fileExists(atPath: candidate.path) {
                let shared = dir.deletingLastPathComponent().appendingPathComponent("shared")
                return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Path of a file under `shared/data/`, or nil when the shared folder is absent.
    public static func dataFile(_ relativePath: String) -> URL? {
        guard let root = root() else { return nil }
        let url = root.appendingPathComponent("data").appendingPathComponent(relativePath)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
