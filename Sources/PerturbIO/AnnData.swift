/// A value stored in `uns`: scalars, arrays and nested dictionaries.
public indirect enum UnsValue: Equatable {
    case string(String)
    case double(Double)
    case int(Int64)
    case bool(Bool)
    case strings([String])
    case doubles([Double])
    case group([String: UnsValue])
}

/// An in-memory AnnData object: a matrix of observations × variables with annotations.
public struct AnnData {
    /// The main matrix (`X`), obs.count × var.count; nil when the file has none.
    public var X: MatrixStorage?
    public var obs: DataFrame
    public var `var`: DataFrame
    public var layers: [String: MatrixStorage]
    public var obsm: [String: DenseMatrix]
    public var varm: [String: DenseMatrix]
    public var uns: [String: UnsValue]

    public init(
        X: MatrixStorage? = nil, obs: DataFrame, `var`: DataFrame, layers: [String: MatrixStorage] = [:],
        obsm: [String: DenseMatrix] = [:], varm: [String: DenseMatrix] = [:], uns: [String: UnsValue] = [:]
    ) {
        self.X = X
        self.obs = obs
        self.var = `var`
        self.layers = layers
        self.obsm = obsm
        self.varm = varm
        self.uns = uns
    }

    /// (observations, variables).
    public var shape: (rows: Int, cols: Int) { (obs.count, self.var.count) }
}
