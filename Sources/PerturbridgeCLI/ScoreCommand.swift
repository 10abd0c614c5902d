import ArgumentParser
import Foundation
import PerturbBase
import PerturbEval

/// `perturbridge score`: the OP3 metrics of a prediction file against a truth file.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a prediction against a truth file with the OP3 row-wise metrics.",
        discussion: """
            Prints metric<TAB>value lines with the OP3 metric ids (mean_rowwise_rmse, mean_rowwise_mae, \
            mean_rowwise_pearson, mean_rowwise_spearman, mean_rowwise_cosine): each metric is computed per truth row over \
            the genes and averaged over rows, as OP3's metric scripts define them (a zero-variance row scores 0 in the \
            correlations; NaN in the truth is an error; a NaN prediction counts as 0).

            The prediction is an .h5ad (layer 'prediction', or X) or a Kaggle-style CSV (id + gene columns) with \
            --id-map (id, cell_type, sm_name). Rows are matched by obs names, else by cell type and compound name (obs \
            cell_type + sm_name, or our effects files' context + compound_names). `evaluate op3` writes its predictions \
            and truth in this layout, so any of its runs can be re-scored.

            Example:
              perturbridge score --prediction op3-run/predictions/none_seed0.h5ad --truth op3-run/predictions/truth.h5ad
            """
    )

    @Option(help: "Prediction .h5ad or Kaggle-style .csv.") var prediction: String
    @Option(help: "Truth .h5ad.") var truth: String
    @Option(
        help:
            "Truth layer (default: clipped_sign_log10_pval if present, else the only layer of a file without X, else X)."
    ) var truthLayer: String?
    @Option(help: "Prediction layer of an .h5ad prediction (default: prediction, else X).") var predictionLayer: String?
    @Option(help: "id_map.csv (id, cell_type, sm_name) naming the rows of a CSV prediction.") var idMap: String?
    @Option(help: "Genes scored: the truth's genes (all must be predicted) or the intersection.") var genes:
        PredictionScoring.GeneSet = .truth
    @Option(help: "Also write the metric/value lines as TSV here.") var output: String?

    func validate() throws {
        if prediction.lowercased().hasSuffix(".csv") && idMap == nil {
            throw ValidationError("a CSV prediction needs --id-map (id, cell_type, sm_name)")
        }
    }

    func run() throws {
        let truthURL = URL(fileURLWithPath: truth), predictionURL = URL(fileURLWithPath: prediction)
        let truthMatrix = try PredictionScoring.readTruth(truthURL, layer: truthLayer)
        let predicted =
            prediction.lowercased().hasSuffix(".csv")
            ? try PredictionScoring.readPrediction(csv: predictionURL, idMap: URL(fileURLWithPath: idMap!))
            : try PredictionScoring.readPrediction(h5ad: predictionURL, layer: predictionLayer)
        let result = try PredictionScoring.score(
            truth: truthMatrix, prediction: predicted, genes: genes,
            truthFile: truth, predictionFile: prediction)
        if result.nonFinitePredictions > 0 {
            ProgressReporter.log(
                "score: \(result.nonFinitePredictions) prediction values were NaN or infinite and count as 0")
        }
        if result.unusedPredictionRows > 0 {
            ProgressReporter.log(
                "score: \(result.unusedPredictionRows) prediction rows match no truth row and are ignored")
        }
        ProgressReporter.log("score: \(result.rows) rows × \(result.genes) genes")
        let text = result.values.map { "\($0.id)\t\(String(format: "%.12g", $0.value))" }.joined(separator: "\n") + "\n"
        print(text, terminator: "")
        if let output { try AtomicFile.write("metric\tvalue\n" + text, to: URL(fileURLWithPath: output)) }
    }
}
