extension RowwiseScores {
    /// Bootstrap confidence interval of the mean of `metric` over conditions.
    ///
    /// - Parameters:
    ///   - clusters: one id per row (e.g. the compound); rows of a cluster are resampled together (compound-clustered
    ///     bootstrap). nil: every condition is resampled independently.
    ///   - strata: one label per row (e.g. the cell type); the statistic is then the mean of per-stratum means.
    public func confidenceInterval(
        _ metric: RowwiseMetric, clusters: [String]? = nil, strata: [String]? = nil,
        options: BootstrapOptions = BootstrapOptions()
    ) -> ConfidenceInterval {
        let values = perRow[metric] ?? []
        return ClusterBootstrap.meanCI(
            values: values, clusters: clusters ?? values.indices.map(String.init), strata: strata,
            options: options, label: "rowwise/\(metric.rawValue)")
    }
}
