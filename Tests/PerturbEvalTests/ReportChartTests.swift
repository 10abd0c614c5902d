import Foundation
import PerturbBase
import XCTest

@testable import PerturbEval
@testable import PerturbModel

/// Round ticks, colour ranges, titles that fit, heatmaps without empty datasets, and the new charts (issue 19.4).
final class ReportChartTests: XCTestCase {
    func testTicksAreRoundOneTwoFiveSteps() {
        let unit = AxisTicks(covering: 0.03, 0.97)
        XCTAssertEqual(unit.values, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(unit.values.map(unit.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        // The range the old axis labelled 0.057, 0.171, …
        let small = AxisTicks(covering: 0.057, 0.171)
        XCTAssertEqual(small.step, 0.05, accuracy: 1e-12)
        XCTAssertEqual(small.values.map(small.label), ["0.05", "0.10", "0.15", "0.20"])
        let signed = AxisTicks(covering: -0.27, 0.04)
        XCTAssertEqual(signed.values.map(signed.label), ["-0.3", "-0.2", "-0.1", "0.0", "0.1"])
        XCTAssertEqual(AxisTicks(covering: 0, 1234).values, [0, 500, 1000, 1500])
        XCTAssertEqual(AxisTicks(covering: 1, 4, target: 6, minimumStep: 1).values, [1, 2, 3, 4])
        XCTAssertEqual(AxisTicks(covering: 1, 20, target: 6, minimumStep: 1).values, [0, 5, 10, 15, 20])
        // Degenerate and non-finite ranges still give an axis around the value.
        let one = AxisTicks(covering: 0.5, 0.5)
        XCTAssertTrue(one.low < 0.5 && one.high > 0.5, "\(one.values)")
        XCTAssertEqual(AxisTicks(covering: .nan, 3).values, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(AxisTicks(covering: -0.001, 0.001).label(-0.0), "0.0000")
    }

    func testColorScalesSpanRoundOrNaturalRanges() throws {
        let single = ColorScale.fitting([0.567])
        XCTAssertEqual(single.low, 0)
        XCTAssertEqual(single.high, 0.6, accuracy: 1e-12)  // not 0.067–1.067 around the value
        let spread = ColorScale.fitting([0.31, 0.88, .nan])
        XCTAssertEqual([spread.low, spread.high], [0, 1.0])
        let negative = ColorScale.fitting([-0.34, -0.12])
        XCTAssertEqual([negative.low, negative.high], [-0.4, 0])
        let margin = ColorScale.fitting([0.577, -0.1], divergingAround: 0)
        XCTAssertEqual([margin.low, margin.high], [-0.6, 0.6])
        XCTAssertEqual(margin.ticks.low, -0.6, accuracy: 1e-12)  // the legend labels both ends
        XCTAssertEqual(margin.ticks.high, 0.6, accuracy: 1e-12)

        let sets = try AgreementTestData.pair(transform: { 0.8 * $0 + 0.1 })
        let analysis = try Self.analysis(sets)
        let summary = analysis.summarize(bootstrap: BootstrapOptions(draws: 20))
        let spearman = try XCTUnwrap(
            AgreementReport.heatmaps(analysis: analysis, summary: summary, metric: .spearmanAll))
        XCTAssertEqual([spearman.observed.scale.low, spearman.observed.scale.high], [-1, 1])
        let direction = try XCTUnwrap(
            AgreementReport.heatmaps(
                analysis: analysis, summary: summary,
                metric: .directionAgreement))
        XCTAssertEqual([direction.observed.scale.low, direction.observed.scale.high], [0, 1])
    }

    func testHeatmapsShowOnlyDatasetsWithMatchedPairs() throws {
        var sets = try AgreementTestData.pair(transform: { 0.5 * $0 })
        let (conditions, values) = AgreementTestData.effects(compounds: 4, contexts: 2, genes: 60, seed: 5)
        let unrelated = conditions.map { c -> ProfileCondition in
            var c = c
            c.compound = "Z" + c.compound
            return c
        }
        let genes = AgreementTestData.geneNames(60)
        sets.append(try ProfileSet(dataset: "C", genes: genes, conditions: unrelated, values: values))
        let analysis = try Self.analysis(sets)
        let summary = analysis.summarize(bootstrap: BootstrapOptions(draws: 20))
        let maps = try XCTUnwrap(AgreementReport.heatmaps(analysis: analysis, summary: summary, metric: .spearmanAll))
        for map in [maps.observed, maps.delta] {
            XCTAssertEqual(map.rowLabels, ["A", "B"])
            XCTAssertEqual(map.columnLabels, ["A", "B"])
        }
        let xml = try ReportXMLCollector.parse(maps.observed.render())
        XCTAssertFalse(xml.texts.contains("C"))

        let empty = HeatmapSVG(
            title: "t", rowLabels: ["A"], columnLabels: ["A"], values: [[.nan]],
            scale: ColorScale.fitting([]), legendTitle: "")
        XCTAssertNil(empty.droppingEmptyRowsAndColumns())
        let (lone, _) = AgreementTestData.effects(compounds: 3, contexts: 1, genes: 60, seed: 9)
        let alone = try ProfileSet(
            dataset: "solo", genes: AgreementTestData.geneNames(60), conditions: lone,
            values: [Float](repeating: 0.5, count: 3 * 60))
        let none = try Self.analysis([alone])
        let noPairs = none.summarize(bootstrap: BootstrapOptions(draws: 0))
        XCTAssertNil(AgreementReport.heatmaps(analysis: none, summary: noPairs, metric: .spearmanAll))
    }

    func testLongTitlesWrapInsideTheCanvas() throws {
        let title = "Direction agreement, genes DE in either — margin over same-context different-compound baseline"
        let heatmap = HeatmapSVG(
            title: title, rowLabels: ["A", "B"], columnLabels: ["A", "B"],
            values: [[1, 0.5], [0.5, .nan]], scale: ColorScale(kind: .sequential, low: 0, high: 1),
            legendTitle: "observed − baseline")
        let chart = BarChartSVG(
            title: "OP3 held-out compounds: " + title, yLabel: "Δ", groups: ["x"], series: ["s"],
            bars: [[.init(value: 0.2)]])
        for (svg, full) in [(heatmap.render(), heatmap.title), (chart.render(), chart.title)] {
            let xml = try ReportXMLCollector.parse(svg)
            let width = try XCTUnwrap(Double(xml.root["width"] ?? ""))
            let lines = xml.texts.filter { full.contains($0) && $0.count > 3 }
            XCTAssertGreaterThan(lines.count, 1, "the title should wrap: \(lines)")
            XCTAssertEqual(lines.joined(separator: " "), full)
            for line in lines {
                XCTAssertLessThanOrEqual(10 + SVGText.estimatedWidth(line, size: 14, bold: true), width, line)
            }
        }
    }

    func testNewChartsAreWellFormedSVG() throws {
        let history = (1...5).map { (epoch: Int) -> EpochMetrics in
            let validation = ValidationMetrics(
                rmse: 0.9 - 0.05 * Double(epoch), pearson: 0.3, count: 500,
                perDatasetRMSE: ["sim <b>": 0.8, "sim_a": 0.7 + 0.01 * Double(epoch)])
            return EpochMetrics(
                epoch: epoch, step: epoch * 10, learningRate: 1e-3, trainRMSE: 1.0 / Double(epoch),
                trainRows: 100, validation: validation, seconds: 1, rowsPerSecond: 100)
        }
        let curves = TrainingCurves.chart(history, title: "Training curves: run & co")
        XCTAssertEqual(
            curves.series.map(\.name),
            ["train RMSE", "validation RMSE", "validation sim <b>", "validation sim_a"])
        let line = try ReportXMLCollector.parse(curves.render())
        XCTAssertEqual(line.elements["path"], 4)
        XCTAssertTrue(line.texts.contains("validation sim <b>") && line.texts.contains("Training curves: run & co"))
        let epochTicks = line.texts.filter { ["1", "2", "3", "4", "5"].contains($0) }
        XCTAssertEqual(epochTicks.count, 5, "epochs tick by 1: \(line.texts)")

        let truth: [Float] = (0..<5000).map { Float($0 % 97) / 10 - 4 }
        let prediction: [Float] = truth.indices.map { i in truth[i] * 0.5 + Float(i % 7) / 10 }
        let sample = PredictedObservedSample(observed: truth, predicted: prediction, limit: 800)
        let scatter = try ReportXMLCollector.parse(sample.figure(title: "lpm", quantity: "logFC").render())
        XCTAssertEqual(scatter.elements["circle"], 800)
        XCTAssertEqual(scatter.elements["line"].map { $0 > 0 }, true)  // gridlines and y = x

        let rows: [[Float]] = (0..<40).map { (i: Int) -> [Float] in [Float(i), Float(i % 3), 0.1 * Float(i % 2)] }
        let labels = (0..<40).map { $0 < 10 ? "" : "group \($0 % 9)" }
        let map = try EmbeddingMap(matrix: rows.flatMap { $0 }, dim: 3, labels: labels)
        let mapXML = try ReportXMLCollector.parse(map.figure(title: "embeddings").render())
        XCTAssertEqual(mapXML.elements["circle"], 40)
        XCTAssertTrue(mapXML.texts.contains("unknown (10)"), "\(mapXML.texts)")

        let forest = ForestPlotSVG(
            title: "Δ", xLabel: "Δ RMSE", groups: ["d1"], series: ["f"],
            points: [[.init(value: 0.1, low: 0.02, high: 0.18)]])
        for svg in [
            curves.render(), sample.figure(title: "x", quantity: "y").render(), map.figure(title: "m").render(),
            forest.render(),
        ] {
            let xml = try ReportXMLCollector.parse(svg)
            let broken = xml.attributeValues.filter {
                $0.lowercased().contains("nan") || $0.lowercased().contains("inf")
            }
            XCTAssertEqual(broken, [], "a coordinate is not a number")
        }
    }

    /// An agreement analysis of `sets` matched on every rule, with the default options.
    static func analysis(_ sets: [ProfileSet]) throws -> AgreementAnalysis {
        try AgreementAnalysis.run(sets: sets, rules: MatchRules(), options: AgreementOptions(), showProgress: false)
    }

    func testPredictedObservedSampleIsBoundedDeterministicAndScoresEveryPair() {
        let truth: [Float] = (0..<3000).map { sin(Float($0)) }
        var prediction = truth.map { $0 * 0.8 }
        prediction[7] = .nan
        let mask = truth.indices.map { $0 % 10 != 0 }
        let a = PredictedObservedSample(observed: truth, predicted: prediction, mask: mask, limit: 500, seed: 3)
        let b = PredictedObservedSample(observed: truth, predicted: prediction, mask: mask, limit: 500, seed: 3)
        XCTAssertEqual(a.observed, b.observed)
        XCTAssertEqual(a.observed.count, 500)
        XCTAssertEqual(a.count, 2700 - 1)  // masked values and the NaN left out
        XCTAssertEqual(a.pearson, 1, accuracy: 1e-9)
        XCTAssertTrue(zip(a.observed, a.predicted).allSatisfy { abs(Float($1) - Float($0) * 0.8) < 1e-6 })
        let all = PredictedObservedSample(observed: [1, 2, 3], predicted: [1, 3, 2])
        XCTAssertEqual(all.observed, [1, 2, 3])
        XCTAssertEqual(all.pearson, 0.5, accuracy: 1e-12)
    }

    func testEmbeddingMapKeepsTheMainDirectionAndPoolsRareLabels() throws {
        // Two clusters far apart along one direction: PC1 separates them and carries most of the variance.
        var rng = SeededRNG(seed: 4)
        var matrix: [Float] = []
        for i in 0..<30 {
            for d in 0..<8 {
                let offset: Float = d == 2 ? (i < 15 ? -5 : 5) : 0
                matrix.append(Float(rng.nextGaussian() * 0.1) + offset)
            }
        }
        let labels = (0..<30).map { $0 < 15 ? "left" : ["a", "b", "c", "d", "e", "f", "g", "h"][$0 % 8] }
        let map = try EmbeddingMap(matrix: matrix, dim: 8, labels: labels)
        XCTAssertGreaterThan(map.explained.first, 0.9)
        XCTAssertTrue(map.points.prefix(15).allSatisfy { ($0.x < 0) == (map.points[0].x < 0) })
        XCTAssertTrue(map.points.suffix(15).allSatisfy { ($0.x < 0) != (map.points[0].x < 0) })
        // 9 labels: the 7 most frequent keep a colour, the other 2 are pooled.
        XCTAssertEqual(map.groups.first, "left (15)")
        XCTAssertEqual(map.groups.count, 8)
        XCTAssertTrue(map.groups.last?.hasPrefix("other (") ?? false, "\(map.groups)")
        XCTAssertThrowsError(try EmbeddingMap(matrix: [1, 2], dim: 2, labels: ["x"]))
    }
}
