import Foundation
import PerturbBase
import PerturbTensor

/// Truncated SVD of a row-major `rows × cols` Float matrix by randomized subspace iteration (Halko, Martinsson &
/// Tropp 2011, algorithm 4.4), the method of scikit-learn's `TruncatedSVD(algorithm="randomized")`:
///
/// 1. `Y = A·Ω` with a Gaussian `cols × l` test matrix, `l = k + oversampling` (capped at min(rows, cols));
/// 2. `iterations` rounds of `Q = orth(Y)`, `Z = orth(Aᵀ·Q)`, `Y = A·Z` (power iteration with re-orthonormalization);
/// 3. `B = Qᵀ·A` (`l × cols`) and an exact SVD of `B` by one-sided Jacobi rotations in Double;
/// 4. the top `k` right singular vectors are the components.
///
/// The large products run on OpenBLAS `sgemm`; orthonormalization (modified Gram–Schmidt, applied twice) and the
/// small SVD run in Double. As scikit-learn's `TruncatedSVD`, the data are not centered. Each component's sign is
/// fixed so that its largest-magnitude entry is positive. Components beyond the numerical rank are zero vectors.
public struct TruncatedSVD: Sendable {
    /// Number of components kept.
    public let rank: Int
    /// Number of input columns (features).
    public let columns: Int
    /// Singular values, descending (`rank` values).
    public let singularValues: [Double]
    /// Right singular vectors, row-major `rank × columns` (orthonormal rows, or zero rows past the numerical rank).
    public let components: [Float]

    /// Fits the top `rank` components of `matrix` (`rows × cols`, row-major).
    public init(
        fitting matrix: [Float], rows: Int, cols: Int, rank: Int, oversampling: Int = 10, iterations: Int = 5,
        seed: UInt64 = 0
    ) {
        precondition(
            matrix.count == rows * cols, "TruncatedSVD: matrix has \(matrix.count) values, expected \(rows) × \(cols)")
        precondition(
            rank >= 1 && rank <= min(rows, cols), "TruncatedSVD: rank \(rank) must be in 1...\(min(rows, cols))")
        let l = min(rank + oversampling, min(rows, cols))
        var rng = SeededRNG.derived(seed: seed, label: "truncated-svd")
        var omega = [Float](repeating: 0, count: cols * l)
        for i in omega.indices { omega[i] = Float(rng.nextGaussian()) }
        // Y = A Ω  (rows × l)
        var q = Self.multiply(matrix, rows: rows, inner: cols, omega, cols: l)
        Self.orthonormalizeColumns(&q, rows: rows, cols: l)
        for _ in 0..<iterations {
            var z = Self.multiplyTransposed(matrix, rows: rows, cols: cols, q, width: l)  // Aᵀ Q  (cols × l)
            Self.orthonormalizeColumns(&z, rows: cols, cols: l)
            q = Self.multiply(matrix, rows: rows, inner: cols, z, cols: l)
            Self.orthonormalizeColumns(&q, rows: rows, cols: l)
        }
        // Bᵀ = Aᵀ Q  (cols × l); its one-sided Jacobi SVD Bᵀ = U Σ Jᵀ gives B's right singular vectors U.
        let bt = Self.multiplyTransposed(matrix, rows: rows, cols: cols, q, width: l)
        let (u, sigma) = Self.jacobiSVD(bt, rows: cols, cols: l)
        let order = sigma.indices.sorted { sigma[$0] > sigma[$1] }.prefix(rank)
        var components = [Float](repeating: 0, count: rank * cols)
        var values: [Double] = []
        let tolerance = (sigma.max() ?? 0) * 1e-6
        for (out, j) in order.enumerated() {
            values.append(sigma[j])
            guard sigma[j] > tolerance else { continue }
            let column = u[(j * cols)..<((j + 1) * cols)]
            let pivot = column.max { abs($0) < abs($1) } ?? 1
            let sign: Double = pivot < 0 ? -1 : 1
            for c in 0..<cols { components[out * cols + c] = Float(sign * column[column.startIndex + c]) }
        }
        self.rank = rank
        self.columns = cols
        self.singularValues = values
        self.components = components
    }

    private init(rank: Int, columns: Int, singularValues: [Double], components: [Float]) {
        self.rank = rank
        self.columns = columns
        self.singularValues = singularValues
        self.components = components
    }

    /// The first `k` components of this fit (the rank-`k` truncation, without refitting).
    public func leading(_ k: Int) -> TruncatedSVD {
        precondition(k >= 1 && k <= rank, "TruncatedSVD.leading: \(k) must be in 1...\(rank)")
        return TruncatedSVD(
            rank: k, columns: columns, singularValues: Array(singularValues.prefix(k)),
            components: Array(components.prefix(k * columns)))
    }

    /// Projects rows (`rows × columns`, row-major) onto the components: `rows × rank` coordinates.
    public func transform(_ matrix: [Float], rows: Int) -> [Float] {
        precondition(matrix.count == rows * columns, "TruncatedSVD.transform: shape mismatch")
        var out = [Float](repeating: 0, count: rows * rank)
        guard rows > 0 else { return out }
        Engine.sgemm(
            transposeA: false, transposeB: true, m: rows, n: rank, k: columns, a: matrix, lda: columns,
            b: components, ldb: columns, beta: 0, c: &out, ldc: rank)
        return out
    }

    /// Maps coordinates (`rows × rank`) back to the input space: `rows × columns`.
    public func inverseTransform(_ coordinates: [Float], rows: Int) -> [Float] {
        precondition(coordinates.count == rows * rank, "TruncatedSVD.inverseTransform: shape mismatch")
        var out = [Float](repeating: 0, count: rows * columns)
        guard rows > 0 else { return out }
        Engine.sgemm(
            transposeA: false, transposeB: false, m: rows, n: columns, k: rank, a: coordinates, lda: rank,
            b: components, ldb: columns, beta: 0, c: &out, ldc: columns)
        return out
    }

    /// `A (rows × inner) · B (inner × cols)`, row-major.
    static func multiply(_ a: [Float], rows: Int, inner: Int, _ b: [Float], cols: Int) -> [Float] {
        var c = [Float](repeating: 0, count: rows * cols)
        Engine.sgemm(
            transposeA: false, transposeB: false, m: rows, n: cols, k: inner, a: a, lda: inner, b: b, ldb: cols,
            beta: 0, c: &c, ldc: cols)
        return c
    }

    /// `Aᵀ (cols × rows) · B (rows × width)` for row-major `A` (`rows × cols`).
    static func multiplyTransposed(_ a: [Float], rows: Int, cols: Int, _ b: [Float], width: Int) -> [Float] {
        var c = [Float](repeating: 0, count: cols * width)
        Engine.sgemm(
            transposeA: true, transposeB: false, m: cols, n: width, k: rows, a: a, lda: cols, b: b, ldb: width,
            beta: 0, c: &c, ldc: width)
        return c
    }

    /// Orthonormalizes the columns of a row-major `rows × cols` matrix in place (modified Gram–Schmidt in Double,
    /// two passes). Columns that fall below 1e-6 of the largest input column norm (linear dependence) become zero.
    static func orthonormalizeColumns(_ m: inout [Float], rows: Int, cols: Int) {
        var columns = (0..<cols).map { c in (0..<rows).map { Double(m[$0 * cols + c]) } }
        let scale = columns.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }.max() ?? 0
        var alive = [Bool](repeating: true, count: cols)
        for j in 0..<cols {
            for _ in 0..<2 {
                for i in 0..<j where alive[i] {
                    var dot = 0.0
                    for r in 0..<rows { dot += columns[i][r] * columns[j][r] }
                    for r in 0..<rows { columns[j][r] -= dot * columns[i][r] }
                }
            }
            let norm = columns[j].reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm <= scale * 1e-6 || norm == 0 {
                alive[j] = false
                for r in 0..<rows { columns[j][r] = 0 }
            } else {
                for r in 0..<rows { columns[j][r] /= norm }
            }
        }
        for c in 0..<cols { for r in 0..<rows { m[r * cols + c] = Float(columns[c][r]) } }
    }

    /// One-sided (Hestenes) Jacobi SVD of a row-major `rows × cols` Float matrix `M` in Double: rotates column pairs
    /// until all columns are orthogonal, `M·J = U·Σ`. Returns the normalized columns `U` (column-major, `cols`
    /// columns of length `rows`; zero for zero singular values) and the column norms `Σ` (unsorted).
    static func jacobiSVD(_ m: [Float], rows: Int, cols: Int) -> (u: [Double], sigma: [Double]) {
        var a = [Double](repeating: 0, count: rows * cols)  // column-major
        for r in 0..<rows { for c in 0..<cols { a[c * rows + r] = Double(m[r * cols + c]) } }
        let epsilon = 1e-15
        for _ in 0..<60 {
            var rotated = false
            for p in 0..<cols {
                for q in (p + 1)..<max(p + 1, cols) {
                    var alpha = 0.0, beta = 0.0, gamma = 0.0
                    for r in 0..<rows {
                        let x = a[p * rows + r], y = a[q * rows + r]
                        alpha += x * x; beta += y * y; gamma += x * y
                    }
                    guard gamma != 0, abs(gamma) > epsilon * (alpha * beta).squareRoot() else { continue }
                    rotated = true
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = c * t
                    for r in 0..<rows {
                        let x = a[p * rows + r], y = a[q * rows + r]
                        a[p * rows + r] = c * x - s * y
                        a[q * rows + r] = s * x + c * y
                    }
                }
            }
            if !rotated { break }
        }
        var sigma = [Double](repeating: 0, count: cols)
        for c in 0..<cols {
            var norm = 0.0
            for r in 0..<rows { norm += a[c * rows + r] * a[c * rows + r] }
            norm = norm.squareRoot()
            sigma[c] = norm
            for r in 0..<rows { a[c * rows + r] = norm > 0 ? a[c * rows + r] / norm : 0 }
        }
        return (a, sigma)
    }
}
