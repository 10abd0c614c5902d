import Foundation

/// The command line being run, for the reports that record it (`REPORT.html`): the process's own arguments, or a
/// demo stage's while the demo runs that stage in-process.
enum Invocation {
    /// Arguments after `perturbridge`; nil outside a demo stage (the process's arguments apply).
    @TaskLocal static var stageArguments: [String]?

    /// `perturbridge` and the arguments, quoted for a POSIX shell where needed.
    static var commandLine: String {
        let arguments = stageArguments ?? Array(CommandLine.arguments.dropFirst())
        return (["perturbridge"] + arguments.map(quoted)).joined(separator: " ")
    }

    /// `argument` as a shell word: unchanged when it holds only safe characters, else in single quotes.
    static func quoted(_ argument: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            .union(CharacterSet(charactersIn: "0123456789-_./=,:+@%"))
        if !argument.isEmpty && argument.unicodeScalars.allSatisfy(safe.contains) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
