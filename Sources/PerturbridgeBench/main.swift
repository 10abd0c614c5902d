import Foundation

/// `perturbridge-bench <name> [options]`: dispatches on the first argument.
let benchArguments = Array(CommandLine.arguments.dropFirst())
do {
    switch benchArguments.first {
    case "chem": try ChemBench.run(Array(benchArguments.dropFirst()))
    case "cpb": try CPBBench.run(Array(benchArguments.dropFirst()))
    case "engine": try EngineBench.run(Array(benchArguments.dropFirst()))
    case "io": try IOBench.run(Array(benchArguments.dropFirst()))
    case "model": try ModelBench.run(Array(benchArguments.dropFirst()))
    default:
        FileHandle.standardError.write(Data("usage: perturbridge-bench chem|cpb|engine|io|model [options]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
