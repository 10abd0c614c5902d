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
/// `CheckpointInfo`. Both files are written atomically; the tensors first, so a sidecar never describes
/// tensors that were not written. The tensors' metadata repeat the sidecar's epoch and step, so a pair left
/// mismatched by a process killed between the two writes is detected on load.
public enum Checkpoint {
    /// The format name in every checkpoint's safetensors metadata and in `run.json`.
    public static let format = "perturbridge-checkpoint-1"

    /// The sidecar path for a checkpoint file (`model.safetensors` → `model.json`).
    public static func sidecarURL(for url: URL) -> URL { url.deletingPathExtension().appendingPathExtension("json") }

    /// Saves parameters, optional optimizer state and the info sidecar.
    public static func save(
        to url: URL, parameters: [Parameter], optimizer: Optimizer? = nil,
        info: CheckpointInfo
    ) throws {
        var tensors: [String: Tensor] = [:]
        for p in parameters { tensors["param/\(p.name)"] = p.value }
        if let optimizer { for (k, t) in optimizer.stateTensors() { tensors[k] = t } }
        let metadata = ["format": Checkpoint.format, "epoch": "\(info.epoch)", "step": "\(info.step)"]
        try SafeTensors.write(tensors, metadata: metadata, to: url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(info), to: sidecarURL(for: url))
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
        let sidecar = sidecarURL(for: url)
        guard let json = FileManager.default.contents(atPath: sidecar.path) else {
            throw CheckpointError(file: sidecar.path, problem: "checkpoint sidecar is missing")
        }
        let info: CheckpointInfo
        do { info = try JSONDecoder().decode(CheckpointInfo.self, from: json) } catch {
            throw CheckpointError(file: sidecar.path, problem: "corrupted sidecar JSON (\(error))")
        }
        if let epoch = metadata["epoch"], let step = metadata["step"],
            epoch != "\(info.epoch)" || step != "\(info.step)"
        {
            let problem =
                "its tensors are from epoch \(epoch) (step \(step)) but \(sidecar.lastPathComponent) "
                + "from epoch \(info.epoch) (step \(info.step)): the process was stopped while saving this "
                + "checkpoint; use another checkpoint of the run (epoch-NNNN) or train again"
            throw CheckpointError(file: url.path, problem: problem)
        }
        try optimizer?.loadState(tensors, file: url.path)
        for (p, t) in zip(parameters, values) { p.value = t; p.grad = nil }
        return info
    }
}
