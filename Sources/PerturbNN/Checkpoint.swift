import Foundation
import PerturbBase
import PerturbTensor

/// What a checkpoint stores besides tensors, written as a JSON sidecar next to the `.safetensors` file.
public struct CheckpointInfo: Codable, Equatable {
    /// Model/training configuration, as the caller defines it.
    public var config: JSONValue
    /// Vocabularies (datasets, contexts, compounds, genes...), as the caller defines them.
    public var vocabularies: JSONValue
    /// Completed epochs.
    public var epoch: Int
    /// Completed optimizer steps.
    public var step: Int
    /// Generator state to resume the exact random stream (shuffling, dropout).
    public var rng: SeededRNG?
    /// Anything else the caller wants to keep (best validation loss, learning rate...).
    public var extra: JSONValue

    public init(
        config: JSONValue = .null, vocabularies: JSONValue = .null, epoch: Int = 0, step: Int = 0,
        rng: SeededRNG? = nil, extra: JSONValue = .null
    ) {
        self.config = config
        self.vocabularies = vocabularies
        self.epoch = epoch
        self.step = step
        self.rng = rng
        self.extra = extra
    }
}

/// Checkpoints: parameters as `"param/<name>"` and optimizer state (`"adam_m/<name>"`, `"adam_v/<name>"`,
/// `"adam_step/<name>"` or `"sgd_momentum/<name>"`) in one safetensors file, plus `<file>.json` holding
/// `CheckpointInfo`. The tensors' metadata repeat the sidecar's epoch and step. A save writes the new sidecar to a
/// pending file first (`.<file>.json.pending`), then the tensors, then renames the pending sidecar into place, each
/// step atomic: a process killed at any point leaves either the previous pair or the new tensors with their pending
/// sidecar, which `load` and `readInfo` take, so a checkpoint is never left unreadable by a kill.
public enum Checkpoint {
    /// The format name in every checkpoint's safetensors metadata and in `run.json`.
    public static let format = "perturbridge-checkpoint-1"

    /// The sidecar path for a checkpoint file (`model.safetensors` → `model.json`).
    public static func sidecarURL(for url: URL) -> URL { url.deletingPathExtension().appendingPathExtension("json") }

    /// Where a save keeps the new sidecar until its tensors are in place (`.model.json.pending`).
    public static func pendingSidecarURL(for url: URL) -> URL {
        let sidecar = sidecarURL(for: url)
        return sidecar.deletingLastPathComponent().appendingPathComponent(".\(sidecar.lastPathComponent).pending")
    }

    /// Saves parameters, optional optimizer state and the info sidecar (pending sidecar, tensors, rename).
    public static func save(
        to url: URL, parameters: [Parameter], optimizer: Optimizer? = nil,
        info: CheckpointInfo
    ) throws {
        var tensors: [String: Tensor] = [:]
        for p in parameters { tensors["param/\(p.name)"] = p.value }
        if let optimizer { for (k, t) in optimizer.stateTensors() { tensors[k] = t } }
        let metadata = ["format": Checkpoint.format, "epoch": "\(info.epoch)", "step": "\(info.step)"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let pending = pendingSidecarURL(for: url), sidecar = sidecarURL(for: url)
        try AtomicFile.write(encoder.encode(info), to: pending)
        try SafeTensors.write(tensors, metadata: metadata, to: url)
        try AtomicFile.rename(pending, to: sidecar)
    }

    /// Removes a checkpoint: its tensors, its sidecar and a pending sidecar a killed save left.
    public static func remove(_ url: URL) throws {
        let fm = FileManager.default
        for file in [url, sidecarURL(for: url), pendingSidecarURL(for: url)] where fm.fileExists(atPath: file.path) {
            try fm.removeItem(at: file)
        }
    }

    /// The sidecar info of the checkpoint `url` without reading its tensors (only the safetensors header).
    public static func readInfo(_ url: URL) throws -> CheckpointInfo {
        try info(describing: url, metadata: SafeTensors.readMetadata(url)).info
    }

    /// The sidecar that describes the tensors of `url` (whose safetensors metadata are `metadata`): `<file>.json`, or
    /// the pending sidecar of a save killed before it renamed it; an error names the file when neither matches the
    /// tensors' epoch and step.
    static func info(describing url: URL, metadata: [String: String]) throws -> (info: CheckpointInfo, sidecar: URL) {
        func decode(_ file: URL) throws -> CheckpointInfo? {
            guard let json = FileManager.default.contents(atPath: file.path) else { return nil }
            do { return try JSONDecoder().decode(CheckpointInfo.self, from: json) } catch {
                throw CheckpointError(file: file.path, problem: "corrupted sidecar JSON (\(error))")
            }
        }
        func matches(_ info: CheckpointInfo) -> Bool {
            guard let epoch = metadata["epoch"], let step = metadata["step"] else { return true }
            return epoch == "\(info.epoch)" && step == "\(info.step)"
        }
        let sidecar = sidecarURL(for: url), pending = pendingSidecarURL(for: url)
        let saved = try decode(sidecar)
        if let saved, matches(saved) { return (saved, sidecar) }
        if let next = try? decode(pending), matches(next) { return (next, pending) }
        guard let saved else { throw CheckpointError(file: sidecar.path, problem: "checkpoint sidecar is missing") }
        let problem =
            "its tensors are from epoch \(metadata["epoch"] ?? "?") (step \(metadata["step"] ?? "?")) but "
            + "\(sidecar.lastPathComponent) from epoch \(saved.epoch) (step \(saved.step)), and no pending sidecar "
            + "matches them: the files come from different saves; use another checkpoint of the run (epoch-NNNN) "
            + "or train again"
        throw CheckpointError(file: url.path, problem: problem)
    }

    /// Loads into `parameters` (every one must be present with its shape; with `strict`, the file must hold
    /// no other parameters), restores the optimizer state when given, and returns the sidecar info.
    /// Nothing is modified unless the whole checkpoint is valid.
    @discardableResult
    public static func load(
        from url: URL, into parameters: [Parameter], optimizer: Optimizer? = nil,
        strict: Bool = true
    ) throws -> CheckpointInfo {
        let (tensors, metadata) = try SafeTensors.read(url)
        var values: [Tensor] = []
        for p in parameters {
            let name = "param/\(p.name)"
            guard let t = tensors[name] else {
                throw CheckpointError(file: url.path, tensor: name, problem: "tensor is missing")
            }
            guard t.shape == p.shape else {
                throw CheckpointError(
                    file: url.path, tensor: name,
                    problem: "shape \(t.shape) in the file, the model expects \(p.shape)")
            }
            values.append(t)
        }
        if strict {
            let known = Set(parameters.map { "param/\($0.name)" })
            if let extra = tensors.keys.sorted().first(where: { $0.hasPrefix("param/") && !known.contains($0) }) {
                throw CheckpointError(file: url.path, tensor: extra, problem: "not a parameter of this model")
            }
        }
        let info = try info(describing: url, metadata: metadata).info
        try optimizer?.loadState(tensors, file: url.path)
        for (p, t) in zip(parameters, values) { p.value = t; p.grad = nil }
        return info
    }
}
