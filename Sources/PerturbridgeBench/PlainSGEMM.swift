import CBLAS
import Foundation
import PerturbBase
import PerturbTensor

/// The ceiling the training benches compare against: plain `cblas_sgemm` running, per layer shape, the three GEMMs
/// of a training step — forward `y = x·wᵀ`, `dx = dy·w` and `dw = dyᵀ·x` — on buffers allocated once.
enum PlainSGEMM {
    /// One layer: `rows` of the batch, `outputs` × `inputs` weights.
    typealias Shape = (rows: Int, outputs: Int, inputs: Int)

    /// GFLOP/s (6·rows·outputs·inputs per shape) over `repeats` timed rounds after one untimed warm-up round.
    /// OpenBLAS runs on `threads` threads (the engine keeps it at one and splits products itself).
    static func rate(_ shapes: [Shape], repeats: Int, threads: Int) -> Double {
        var rng = SeededRNG(seed: 7)
        var buffers = shapes.map { s in
            (
                x: Tensor.uniform([s.rows, s.inputs], low: -1, high: 1, rng: &rng),
                w: Tensor.uniform([s.outputs, s.inputs], low: -1, high: 1, rng: &rng),
                dy: Tensor.uniform([s.rows, s.outputs], low: -1, high: 1, rng: &rng),
                y: Tensor(uninitializedShape: [s.rows, s.outputs]), dx: Tensor(uninitializedShape: [s.rows, s.inputs]),
                dw: Tensor(uninitializedShape: [s.outputs, s.inputs])
            )
        }
        let pointers = (0..<buffers.count).map { k in
            (
                x: buffers[k].x.readPointer, w: buffers[k].w.readPointer, dy: buffers[k].dy.readPointer,
                y: buffers[k].y.mutablePointer(), dx: buffers[k].dx.mutablePointer(), dw: buffers[k].dw.mutablePointer()
            )
        }
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        func once() {
            for (k, s) in shapes.enumerated() {
                let p = pointers[k], m = Int32(s.rows), n = Int32(s.outputs), i = Int32(s.inputs)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, i, 1, p.x, i, p.w, i, 0, p.y, n)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, i, n, 1, p.dy, n, p.w, i, 0, p.dx, i)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, i, m, 1, p.dy, n, p.x, i, 0, p.dw, i)
            }
        }
        once()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { once() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        withExtendedLifetime(buffers) {}
        let flops = shapes.reduce(0.0) { $0 + 6 * Double($1.rows) * Double($1.outputs) * Double($1.inputs) }
        return flops * Double(repeats) / seconds / 1e9
    }
}
