import Foundation
import PerturbBase
import PerturbNN

/// Reading LPM checkpoints: the sidecar carries the config and vocabularies, so a model can be rebuilt from the
/// file alone.
public enum LPMCheckpoint {
    /// Config, vocabularies and epoch of a checkpoint file (from its `.json` sidecar).
    public static func readInfo(_ file: URL) throws -> (config: LPMConfig, vocabularies: Vocabularies, epoch: Int) {
        let sidecar = Checkpoint.sidecarURL(for: file)
        guard let data = FileManager.default.contents(atPath: sidecar.path) else {
            throw CheckpointError(file: sidecar.path, problem: "checkpoint sidecar is missing")
        }
        do {
            let info = try JSONDecoder().decode(CheckpointInfo.self, from: data)
            return (try info.config.decode(LPMConfig.self), try info.vocabularies.decode(Vocabularies.self), info.epoch)
        } catch {
            throw CheckpointError(file: sidecar.path, problem: "not an LPM checkpoint sidecar (\(error))")
        }
    }

    /// Rebuilds the model of a checkpoint (a `.safetensors` file or a run folder → its best checkpoint), loading
    /// every weight strictly.
    public static func load(_ url: URL) throws -> LPMModel {
        let file = try RunFolder.checkpointFile(url)
        let (config, vocabularies, _) = try readInfo(file)
        var rng = SeededRNG(seed: config.seed)
        let model = LPMModel(config: config, vocabularies: vocabularies, rng: &rng)
        try Checkpoint.load(from: file, into: model.parameters, optimizer: nil, strict: true)
        return model
    }
}
