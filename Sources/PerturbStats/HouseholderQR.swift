import Foundation

/// The QR decomposition of a tall matrix by Householder reflections (Golub & Van Loan §5.2), in Double: what a least
/// squares fit per gene needs — Qᵀy for many right-hand sides, R⁻¹, and the rank.
struct HouseholderQR {
    let rows: Int
    let columns: Int
    /// Column-major: R above the diagonal, the Householder vectors below (with `betas`).
    private var a: [Double]
    private var betas: [Double]
    private var diagonal: [Double]
    /// Whether every column is linearly independent of the previous ones (relative tolerance 1e-7, as R's `qr`).
    let isFullRank: Bool

    /// Factorizes `matrix` (row-major `rows × columns`, rows ≥ columns).
    init(rowMajor matrix: [Double], rows: Int, columns: Int) {
        precondition(rows >= columns, "QR needs at least as many rows as columns")
        self.rows = rows
        self.columns = columns
        var a = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows { for j in 0..<columns { a[j * rows + i] = matrix[i * columns + j] } }
        var betas = [Double](repeating: 0, count: columns), diagonal = [Double](repeating: 0, count: columns)
        var fullRank = true
        for k in 0..<columns {
            let base = k * rows
            var original = 0.0
            for i in 0..<rows { original += a[base + i] * a[base + i] }
            var norm = 0.0
            for i in k..<rows { norm += a[base + i] * a[base + i] }
            norm = norm.squareRoot()
            if norm <= 1e-7 * max(original.squareRoot(), .leastNormalMagnitude) { fullRank = false }
            let alpha = a[base + k] > 0 ? -norm : norm
            diagonal[k] = alpha
            let v0 = a[base + k] - alpha
            a[base + k] = v0
            var vnorm = v0 * v0
            for i in (k + 1)..<max(k + 1, rows) { vnorm += a[base + i] * a[base + i] }
            betas[k] = vnorm > 0 ? 2 / vnorm : 0
            for j in (k + 1)..<columns {
                let cj = j * rows
                var dot = 0.0
                for i in k..<rows { dot += a[base + i] * a[cj + i] }
                let s = betas[k] * dot
                for i in k..<rows { a[cj + i] -= s * a[base + i] }
            }
        }
        self.a = a
        self.betas = betas
        self.diagonal = diagonal
        self.isFullRank = fullRank
    }

    /// Replaces each column of `y` (column-major `rows × count`) by Qᵀy.
    func applyTranspose(to y: inout [Double], count: Int) {
        for k in 0..<columns where betas[k] != 0 {
            let base = k * rows
            for c in 0..<count {
                let yc = c * rows
                var dot = 0.0
                for i in k..<rows { dot += a[base + i] * y[yc + i] }
                let s = betas[k] * dot
                for i in k..<rows { y[yc + i] -= s * a[base + i] }
            }
        }
    }

    /// R[i, j] (i ≤ j).
    func r(_ i: Int, _ j: Int) -> Double { i == j ? diagonal[i] : a[j * rows + i] }

    /// Solves R x = b for the first `columns` entries of b.
    func solveR(_ b: ArraySlice<Double>) -> [Double] {
        var x = Array(b.prefix(columns))
        for i in stride(from: columns - 1, through: 0, by: -1) {
            var s = x[i]
            for j in (i + 1)..<max(i + 1, columns) { s -= r(i, j) * x[j] }
            x[i] = s / diagonal[i]
        }
        return x
    }

    /// (RᵀR)⁻¹ = (XᵀX)⁻¹, row-major `columns × columns`.
    func unscaledCovariance() -> [Double] {
        let p = columns
        var rInverse = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            var e = [Double](repeating: 0, count: p)
            e[j] = 1
            let x = solveR(e[...])
            for i in 0..<p { rInverse[i * p + j] = x[i] }
        }
        var out = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in i..<p {
                var s = 0.0
                for k in max(i, j)..<p { s += rInverse[i * p + k] * rInverse[j * p + k] }
                out[i * p + j] = s
                out[j * p + i] = s
            }
        }
        return out
    }
}
