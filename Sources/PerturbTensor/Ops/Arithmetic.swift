/// Elementwise arithmetic with row/column broadcasting.
///
/// Operands are viewed as matrices (`Tensor.rows × Tensor.cols`); each dimension must match or be 1, so a
/// `[1, C]` row (or `[C]`) broadcasts over rows, an `[R, 1]` column over columns, and a scalar over everything.

public func + (a: Var, b: Var) -> Var { broadcastBinary(a, b, .add) }
public func - (a: Var, b: Var) -> Var { broadcastBinary(a, b, .sub) }
public func * (a: Var, b: Var) -> Var { broadcastBinary(a, b, .mul) }
public func / (a: Var, b: Var) -> Var { broadcastBinary(a, b, .div) }

/// Multiplies every element by a constant.
public func * (a: Var, s: Float) -> Var {
    let y = Kernels.map(a.value) { $0 * s }
    return a.graph.record(y, inputs: [a]) { g, dy in
        let dyp = dy.readPointer
        g.accumulateGrad(a) { da, beta in Kernels.store(da, count: dy.count, beta: beta) { dyp[$0] * s } }
    }
}

/// Multiplies every element by a constant.
public func * (s: Float, a: Var) -> Var { a * s }

/// Adds a constant to every element.
public func + (a: Var, s: Float) -> Var {
    let y = Kernels.map(a.value) { $0 + s }
    return a.graph.record(y, inputs: [a]) { g, dy in g.addGrad(a, dy) }
}

enum BinaryOp { case add, sub, mul, div }

/// Broadcast shape of two matrix views, with a message naming both shapes when they are incompatible.
private func broadcastShape(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) -> (rows: Int, cols: Int, shape: [Int]) {
    let rows = max(a.rows, b.rows), cols = max(a.cols, b.cols)
    precondition(
        (a.rows == rows || a.rows == 1) && (b.rows == rows || b.rows == 1)
            && (a.cols == cols || a.cols == 1) && (b.cols == cols || b.cols == 1),
        "\(op): shapes \(a.shape) and \(b.shape) do not broadcast (each dimension must match or be 1)")
    let shape = a.count == rows * cols ? a.shape : (b.count == rows * cols ? b.shape : [rows, cols])
    return (rows, cols, shape)
}

/// Computes `f(a[i,j], b[i,j])` over the broadcast shape.
@inline(__always)
private func zipBroadcast(
    _ a: Tensor, _ b: Tensor, rows: Int, cols: Int, shape: [Int],
    _ f: (Float, Float) -> Float
) -> Tensor {
    var y = Tensor(uninitializedShape: shape)
    let ap = a.readPointer, bp = b.readPointer
    let ars = a.rows == 1 ? 0 : a.cols, brs = b.rows == 1 ? 0 : b.cols
    let acs = a.cols == 1 ? 0 : 1, bcs = b.cols == 1 ? 0 : 1
    let yp = y.mutablePointer()
    Engine.parallelFor(rows, minimumChunk: max(1, 32_768 / max(cols, 1))) { rr in
        for r in rr {
            let arow = ap + r * ars, brow = bp + r * brs, yrow = yp + r * cols
            for j in 0..<cols { yrow[j] = f(arow[j * acs], brow[j * bcs]) }
        }
    }
    return y
}

/// Sums a `rows × cols` gradient down to the shape of `target` (reducing broadcast dimensions).
private func reduceTo(_ grad: Tensor, rows: Int, cols: Int, like target: Tensor) -> Tensor {
    if target.count == rows * cols { return grad.reshaped(target.shape) }
    var out = Tensor(shape: target.shape, repeating: 0)
    let gp = grad.readPointer, op = out.mutablePointer()
    let ors = target.rows == 1 ? 0 : target.cols, ocs = target.cols == 1 ? 0 : 1
    for r in 0..<rows {
        let grow = gp + r * cols, orow = op + r * ors
        for j in 0..<cols { orow[j * ocs] += grow[j] }
    }
    return out
}

func broadcastBinary(_ a: Var, _ b: Var, _ op: BinaryOp) -> Var {
    let av = a.value, bv = b.value
    let (rows, cols, shape) = broadcastShape(av, bv, op)
    let y: Tensor
    switch op {
    case .add: y = zipBroadcast(av, bv, rows: rows, cols: cols, shape: shape) { $0 + $1 }
    case .sub: y = zipBroadcast(av, bv, rows: rows, cols: cols, shape: shape) { $0 - $1 }
    case .mul: y = zipBroadcast(av, bv, rows: rows, cols: cols, shape: shape) { $0 * $1 }
    case .div: y = zipBroadcast(av, bv, rows: rows, cols: cols, shape: shape) { $0 / $1 }
    }
    return a.graph.record(y, inputs: [a, b]) { g, dy in
        let av = g.value(a), bv = g.value(b)
        if g.needsGrad(a) {
            let full: Tensor
            switch op {
            case .add, .sub: full = dy
            case .mul: full = zipBroadcast(dy, bv, rows: rows, cols: cols, shape: shape) { $0 * $1 }
            case .div: full = zipBroadcast(dy, bv, rows: rows, cols: cols, shape: shape) { $0 / $1 }
            }
            g.addGrad(a, reduceTo(full, rows: rows, cols: cols, like: av))
        }
        if g.needsGrad(b) {
            let full: Tensor
            switch op {
            case .add: full = dy
            case .sub: full = Kernels.map(dy) { -$0 }
            case .mul: full = zipBroadcast(dy, av, rows: rows, cols: cols, shape: shape) { $0 * $1 }
            case .div:
                let q = zipBroadcast(dy, bv, rows: rows, cols: cols, shape: shape) { $0 / ($1 * $1) }
                full = zipBroadcast(q, av, rows: rows, cols: cols, shape: shape) { -$0 * $1 }
            }
            g.addGrad(b, reduceTo(full, rows: rows, cols: cols, like: bv))
        }
    }
}
