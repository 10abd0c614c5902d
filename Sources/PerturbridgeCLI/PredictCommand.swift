import ArgumentParser
import Foundation
import PerturbBase
import PerturbModel

/// `perturbridge predict`: logFC predictions of a trained LPM for given conditions.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict logFC of conditions with a trained LPM (.h5ad: obs = conditions, var = genes).",
        discussion: """
            --conditions is a CSV/TSV with columns dataset, context, compound, dose_um, time_h (compound = a vocabulary \
            key, a PubChem CID the vocabulary uses, or a SMILES; a molecule not seen in training needs a fingerprint_mlp \
            or morgan_fixed checkpoint), or an effects .h5ad whose conditions are predicted. Every bad row is an error \
            naming the file and line. Output obs = the conditions (dataset, context, compound, compound_key, dose_um, \
            time_h), var = the model's genes, X = predicted logFC.

            Examples:
              perturbridge predict --checkpoint checkpoints/all --conditions new.tsv --output pred.h5ad
              perturbridge predict --checkpoint checkpoints/all/best.safetensors --conditions demo-data/sim_op3.h5ad --output op3-pred.h5ad
            """
    )

    @Option(help: "Run folder (uses best.safetensors) or a checkpoint .safetensors file.") var checkpoint: String
    @Option(help: "Condition table (.csv/.tsv) or effects .h5ad.") var conditions: String
    @Option(help: "Output .h5ad.") var output: String

    func run() throws {
        let outputURL = URL(fileURLWithPath: output)
        guard outputURL.pathExtension.lowercased() == "h5ad" else {
            throw InputError("\(output): the prediction output must end in .h5ad")
        }
        let model = try LPMCheckpoint.load(URL(fileURLWithPath: checkpoint))
        let requests = try PredictionRequests.read(URL(fileURLWithPath: conditions), model: model)
        let predictions = try requests.predict(model)
        try requests.write(predictions, genes: model.vocabularies.genes, to: outputURL)
        print(
            "\(output)\t\(requests.conditions.count) conditions × \(model.vocabularies.genes.count) genes (\(requests.newCompounds.count) compounds outside the vocabulary)"
        )
    }
}
