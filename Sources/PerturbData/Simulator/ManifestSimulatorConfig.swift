import Foundation
import PerturbBase

/// The gene-panel size of the datasets whose name contains `match` (case-insensitive; "" matches every name): one size per context,
/// spread evenly over `minimum...maximum` in a seeded order; `landmarks` = exactly the L1000 landmark genes.
public struct PanelSizeRule: Codable, Equatable, Sendable {
    public var match: String
    public var minimum: Int
    public var maximum: Int
    public var landmarks: Bool

    public init(match: String, minimum: Int, maximum: Int? = nil, landmarks: Bool = false) {
        self.match = match
        self.minimum = minimum
        self.maximum = maximum ?? minimum
        self.landmarks = landmarks
    }

    /// Parses `MATCH=SIZE` or `MATCH=MIN-MAX` (the `--panel-size` flag); `MATCH=landmarks` for the L1000 panel.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty else {
            throw InputError("--panel-size '\(text)': expected DATASET=SIZE, DATASET=MIN-MAX or DATASET=landmarks")
        }
        if parts[1] == "landmarks" { self.init(match: parts[0], minimum: 978, landmarks: true); return }
        let bounds = parts[1].split(separator: "-").map { Int($0) }
        guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low > 0, high >= low
        else {
            throw InputError("--panel-size '\(text)': sizes must be positive integers, MIN ≤ MAX")
        }
        self.init(match: parts[0], minimum: low, maximum: high)
    }
}

/// Settings of the manifest simulator (see `ManifestSimulator`). Defaults reproduce the paper's corpus shape:
/// per-dataset panel sizes from the reference's DEG logs, a 43,500-gene pool (the reference's vocabulary).
public struct ManifestSimulatorConfig: Codable, Equatable, Sendable {
    /// Genes in the pool; the first `landmarkGenes` are the L1000 landmarks.
    public var genePool = 43_500
    public var landmarkGenes = 978
    /// Dimension K of the latent compound/program space.
    public var latentDimension = 16
    /// Share φ of a structure-backed compound's latent explained by its fingerprint.
    public var fingerprintShare = 0.7
    /// Spread of the per-dataset and per-context noise added to each gene's detectability before a panel takes
    /// the top genes: larger → panels overlap less and the union grows.
    public var datasetPanelNoise = 1.6
    public var contextPanelNoise = 0.35
    /// First rule whose `match` the dataset name contains wins; datasets matching none get `defaultRule`.
    public var panelRules: [PanelSizeRule] = ManifestSimulatorConfig.referencePanels
    public var defaultRule = PanelSizeRule(match: "", minimum: 978, landmarks: true)
    /// Replicates pooled into each condition and per-replicate noise SD (log2 units).
    public var replicates = 3
    public var noise = 0.3
    public var onsetHours = 12.0
    public var hillSlope = 1.2
    public var contextGainSD = 0.3

    public init() {}

    /// Panel sizes per dataset from the reference's own DEG logs (issue #12): LINCS = the landmarks.
    public static let referencePanels: [PanelSizeRule] = [
        PanelSizeRule(match: "LINCS", minimum: 978, landmarks: true),
        PanelSizeRule(match: "vcpi-0001", minimum: 19_517),
        PanelSizeRule(match: "vcpi-0002", minimum: 15_736),
        PanelSizeRule(match: "Novartis", minimum: 14_370),
        PanelSizeRule(match: "dilimap", minimum: 21_210),
        PanelSizeRule(match: "op3", minimum: 5_288),
        PanelSizeRule(match: "tahoe", minimum: 11_143, maximum: 30_791),
        PanelSizeRule(match: "sciplex", minimum: 7_199, maximum: 14_317),
        PanelSizeRule(match: "GDPx2", minimum: 9_570, maximum: 12_506),
        PanelSizeRule(match: "CIGS", minimum: 1_816, maximum: 2_881),
    ]

    /// The rule for a dataset name.
    public func rule(for dataset: String) -> PanelSizeRule {
        panelRules.first { $0.match.isEmpty || dataset.range(of: $0.match, options: .caseInsensitive) != nil }
            ?? defaultRule
    }
}
