import Foundation
import PerturbBase
import PerturbModel

/// `perturbridge inspect` on a training run: whether it finished, the run folder's `run.json` and `config.json`, or
/// a checkpoint, with the model's vocabulary sizes and parameter count.
enum InspectRun {
    /// Whether `url` is a run folder (has `run.json` or a checkpoint) or a `.safetensors` checkpoint.
    static func handles(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return false }
        if !isDirectory.boolValue { return url.pathExtension == "safetensors" }
        let folder = RunFolder(url)
        return [folder.run, folder.best, folder.last].contains { FileManager.default.fileExists(atPath: $0.path) }
    }

    static func print(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError("\(url.path): no such run folder or checkpoint")
        }
        let checkpoint: URL
        if isDirectory.boolValue {
            let folder = RunFolder(url)
            Swift.print("\(url.path): training run")
            Swift.print(
                folder.isFinished
                    ? "status: finished (finished.json)"
                    : "status: not finished — no finished.json: the run was stopped or is still running "
                        + "(pretrain --resume continues it)")
            if !folder.isFinished, let position = try folder.resumePosition() {
                Swift.print("last checkpoint: \(position)")
            }
            for (title, file) in [("run", folder.run), ("config", folder.config)] {
                guard let data = FileManager.default.contents(atPath: file.path),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { continue }
                Swift.print("\(title) (\(file.lastPathComponent)):")
                for key in object.keys.sorted() { Swift.print("  \(key): \(describe(object[key]!))") }
            }
            checkpoint = FileManager.default.fileExists(atPath: folder.best.path) ? folder.best : folder.last
        } else {
            Swift.print("\(url.path): LPM checkpoint")
            checkpoint = url
        }
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            Swift.print("checkpoint: none yet"); return
        }
        let model = try LPMCheckpoint.load(checkpoint)
        let v = model.vocabularies
        Swift.print(
            "checkpoint: \(checkpoint.lastPathComponent) (\(model.config.outputMode.rawValue), \(model.config.compoundEncoder.rawValue) compounds)"
        )
        Swift.print(
            "vocabularies: \(v.datasets.count) datasets, \(v.contexts.count) contexts, \(v.compounds.count) compounds, \(v.genes.count) genes"
        )
        let parameters = model.parameters
        let total = parameters.reduce(0) { $0 + $1.value.count }
        Swift.print("parameters: \(total) in \(parameters.count) tensors")
        for p in parameters { Swift.print("  \(p.name): \(p.value.count)") }
    }

    /// A JSON value on one line (long arrays abbreviated).
    private static func describe(_ value: Any) -> String {
        if let array = value as? [Any] {
            let shown = array.prefix(5).map(describe).joined(separator: ", ")
            return "[\(shown)\(array.count > 5 ? ", … (\(array.count) values)" : "")]"
        }
        if let dictionary = value as? [String: Any] {
            return "{"
                + dictionary.keys.sorted().prefix(8).map { "\($0): \(describe(dictionary[$0]!))" }.joined(
                    separator: ", ")
                + (dictionary.count > 8 ? ", …" : "") + "}"
        }
        return "\(value)"
    }
}
