import ArgumentParser

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarize an .h5ad, .gct or .gctx file.")
    @Argument(help: "File to inspect.") var file: String
    func run() throws { throw ValidationError("inspect is being built (issue 3)") }
}
