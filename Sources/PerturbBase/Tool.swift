/// The tool's identity, written into run records and reported by `--version`.
public enum Tool {
    /// The executable's name.
    public static let name = "perturbridge"
    /// The release version (`perturbridge --version`, `run.json`).
    public static let version = "0.1.0"
}
