import Foundation
import PerturbBase
import PerturbModel

/// The training curves of an LPM run (`curves.svg` in its run folder): per epoch the training RMSE (dashed), the
/// pooled validation RMSE and one validation RMSE line per dataset, from the run's metrics history.
public enum TrainingCurves {
    /// The file name in a run folder.
    public static let fileName = "curves.svg"

    /// The chart of `history` (epochs in order).
    public static func chart(_ history: [EpochMetrics], title: String) -> LineChartSVG {
        let datasets = Set(history.flatMap { $0.validation.perDatasetRMSE.keys }).sorted()
        func line(_ value: (EpochMetrics) -> Double?) -> [(x: Double, y: Double)] {
            history.map { (x: Double($0.epoch), y: value($0) ?? .nan) }
        }
        var series = [
            LineChartSVG.Series(name: "train RMSE", points: line { $0.trainRMSE }, dashed: true),
            LineChartSVG.Series(name: "validation RMSE", points: line { $0.validation.rmse }, width: 2.5),
        ]
        for dataset in datasets {
            let points = line { $0.validation.perDatasetRMSE[dataset] }
            series.append(LineChartSVG.Series(name: "validation \(dataset)", points: points, width: 1.2))
        }
        if history.allSatisfy({ $0.validation.rmse == nil }) { series.remove(at: 1) }
        return LineChartSVG(title: title, xLabel: "epoch", yLabel: "RMSE of logFC", series: series)
    }

    /// Writes `curves.svg` into the run folder of `run` (atomically) and returns its URL.
    @discardableResult
    public static func write(_ run: TrainingRun, title: String) throws -> URL {
        let url = run.runDirectory.appendingPathComponent(fileName)
        try AtomicFile.write(chart(run.history, title: title).render(), to: url)
        return url
    }
}
