import Foundation
import PerturbBase
import PerturbNN

/// Reading LPM checkpoints: the sidecar carries the config and vocabularies, so a model can be rebuilt from the
/// file alone.
public enum LPMCheckpoint {
    /// Config, vocabularies and epoch of a checkpoint file (from the sidecar that describes its tensors).
    public static func readInfo(_ file: URL) throws -> (config: LPMConfig, vocabularies: Vocabularies, epoch: Int) {
        let info = try Checkpoint.readInfo(file)
        let sidecar = Checkpoint.sidecarURL(for: file)
        let config: LPMConfig, vocabularies: Vocabularies
        do {
            config = try info.config.decode(LPMConfig.self)
            vocabularies = try info.vocabularies.decode(Vocabularies.self)
            try config.validate()
        } catch {
            throw CheckpointError(file: sidecar.path, problem: "not an LPM checkpoint sidecar (\(error))")
        }
        let compounds = vocabularies.compounds.count
        guard vocabularies.compounds.first == Vocabularies.control, vocabularies.compoundSmiles.count == compounds,
            vocabularies.compoundTrainingDatasets.count == compounds
        else {
            let problem =
                "vocabularies: the compound list must start with \"\(Vocabularies.control)\" and "
                + "compoundSmiles and compoundTrainingDatasets must have one entry per compound (\(compounds))"
            throw CheckpointError(file: sidecar.path, problem: problem)
        }
        return (config, vocabularies, info.epoch)
    }

    /// Rebuilds the model of a checkpoint (a `.safetensors` file or a run folder → its best checkpoint), loading
    /// every weight strictly.
    public static func load(_ url: URL) throws -> LPMModel {
        let file = try RunFolder.checkpointFile(url)
        let (config, vocabularies, _) = try readInfo(file)
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int
        let weights = LPMModel.parameterCount(config: config, vocabularies: vocabularies)
        guard let size, weights * 4 <= Double(size) else {
            let held = size.map { "\($0) bytes" } ?? "nothing readable"
            let sidecar = Checkpoint.sidecarURL(for: file).lastPathComponent
            let problem =
                "holds \(held), too few for the \(Int(min(weights, 9e18))) weights its sidecar describes: "
                + "the file is truncated, or \(sidecar) is not its sidecar"
            throw CheckpointError(file: file.path, problem: problem)
        }
        var rng = SeededRNG(seed: config.seed)
        let model = LPMModel(config: config, vocabularies: vocabularies, rng: &rng)
        try Checkpoint.load(from: file, into: model.parameters, optimizer: nil, strict: true)
        return model
    }
}
