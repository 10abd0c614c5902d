import Foundation
import PerturbBase
import PerturbModel
import PerturbNN

/// The readers of model files: checkpoints with their JSON sidecars (`inspect`, `embed`, `predict`, `--init-from`),
/// a run's last checkpoint as `pretrain --resume` reads it, and config files (JSON, YAML, TOML).
extension FuzzTarget {
    static func checkpoint(_ corpus: SeedCorpus) -> FuzzTarget {
        let run = corpus.fixtures.appendingPathComponent("run")
        let files = [run.appendingPathComponent("best.safetensors"), run.appendingPathComponent("best.json")]
        let seed = corpus.group(files, [.binary, .text], label: "run/best.safetensors + best.json")
        return FuzzTarget(
            name: "checkpoint", entryPoints: "LPMCheckpoint.load (inspect, embed, predict, --init-from)",
            seeds: [seed].compactMap { $0 }
        ) { url in
            _ = try LPMCheckpoint.load(url).parameters.count
        }
    }

    static func resume(_ corpus: SeedCorpus) -> FuzzTarget {
        let run = corpus.fixtures.appendingPathComponent("run")
        let last = run.appendingPathComponent("last.safetensors")
        let seed = corpus.group(
            [last, run.appendingPathComponent("last.json")], [.binary, .text],
            label: "run/last.safetensors + last.json")
        // The model and optimizer the resumed run builds from its config and data (here: the undamaged checkpoint's).
        let original = try? LPMCheckpoint.readInfo(last)
        return FuzzTarget(
            name: "resume", entryPoints: "ResumePoint.load (pretrain --resume)",
            seeds: original == nil ? [] : [seed].compactMap { $0 }
        ) { url in
            guard let (config, vocabularies, _) = original else { return }
            var rng = SeededRNG(seed: config.seed)
            let model = LPMModel(config: config, vocabularies: vocabularies, rng: &rng)
            let optimizer = config.optimizer.make(
                parameters: model.parameters,
                learningRate: Float(config.learningRate),
                weightDecay: Float(config.weightDecay))
            _ = try ResumePoint.load(url, model: model, optimizer: optimizer, config: config)
        }
    }

    static func config(_ corpus: SeedCorpus) -> FuzzTarget {
        let names = ["lpm-multiout", "lpm-scalar", "fingerprint-mlp", "finetune-frozen"]
        let seeds = names.flatMap { name -> [Seed] in
            let url = corpus.configs.appendingPathComponent("\(name).json")
            guard let json = corpus.file(url, .text) else { return [] }
            return [json] + converted(json.files[0].bytes, name: name)
        }
        return FuzzTarget(
            name: "config", entryPoints: "LPMConfig.read + validated (pretrain --config)",
            seeds: seeds
        ) { url in
            _ = try LPMConfig.read(url).validated(from: url)
        }
    }

    /// The same flat JSON config written as YAML (`key: value`) and TOML (`key = value`), JSON's scalars and arrays
    /// being valid in both.
    private static func converted(_ json: [UInt8], name: String) -> [Seed] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return [] }
        func literal(_ value: Any) -> String? {
            guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]) else {
                return nil
            }
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        let pairs = object.keys.sorted().compactMap { key in literal(object[key]!).map { (key, $0) } }
        let yaml = pairs.map { "\($0.0): \($0.1)\n" }.joined()
        let toml = pairs.map { "\($0.0) = \($0.1)\n" }.joined()
        return [("yaml", yaml), ("toml", toml)].map { ext, text in
            Seed(
                label: "\(name).\(ext)",
                files: [SeedFile(name: "\(name).\(ext)", bytes: Array(text.utf8), format: .text)])
        }
    }
}
