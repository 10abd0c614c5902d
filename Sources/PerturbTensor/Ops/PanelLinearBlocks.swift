import CKernels
import PerturbBase

/// One group of `panelLinearMSE`, computed block by block over its units so that each weight row is read from
/// memory once and each gradient row written once: a block of `blockUnits` weight rows is gathered into a small
/// buffer that stays in cache for the block's three GEMMs (forward, dx, dW) and its residuals, and the block's dW is
/// added straight into the unit rows of `dw`. Blocks run in contiguous chunks on the engine's threads, each calling
/// single-threaded sgemm; the dx of each chunk is a private buffer, added to `dx` in chunk order, so the same thread
/// count gives bit-identical results.
struct PanelGroupBlocks {
    let x: UnsafePointer<Float>
    let w: UnsafePointer<Float>
    let bias: UnsafePointer<Float>
    let h: Int
    /// `2 / measured values` of the whole loss (d loss / d residual).
    let alpha: Float
    /// Threads to spread the blocks over (the caller runs inside `Engine.withSingleThreadedKernels`).
    let threads: Int

    /// Units per block: about 256, fewer so that every thread gets at least two blocks.
    static func blockUnits(units: Int, threads: Int) -> Int {
        max(16, min(256, (units + 2 * threads - 1) / (2 * threads)))
    }

    /// Adds the group's gradients into `dx`, `dw` and `db` (each optional) and returns its sum of squared residuals
    /// (block sums added in block order).
    func run(
        _ group: PanelGroup, dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
        db: UnsafeMutablePointer<Float>?
    ) -> Double {
        let n = group.rows.count, u = group.units.count
        let bu = Self.blockUnits(units: u, threads: threads), blocks = (u + bu - 1) / bu
        let chunks = max(1, min(threads, blocks))
        let xRows = x + group.rows.lowerBound * h
        var blockSSE = [Double](repeating: 0, count: blocks)
        let dxParts = dx == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: chunks * n * h)
        defer { dxParts?.deallocate() }
        dxParts?.initialize(repeating: 0, count: chunks * n * h)
        blockSSE.withUnsafeMutableBufferPointer { sse in
            group.units.withUnsafeBufferPointer { units in
                Targets.with(group) { targets in
                    let sse = sse.baseAddress!, units = units.baseAddress!
                    Parallel.forEachChunk(count: chunks, threads: chunks) { chunkRange in
                        for chunk in chunkRange {
                            let scratch = BlockScratch(n: n, bu: bu, h: h)
                            defer { scratch.free() }
                            for b in (blocks * chunk / chunks)..<(blocks * (chunk + 1) / chunks) {
                                let lo = b * bu, hi = min(u, lo + bu)
                                sse[b] = block(
                                    lo..<hi, units: units, n: n, xRows: xRows, targets: targets, scratch: scratch,
                                    dx: dxParts.map { $0 + chunk * n * h }, dw: dw, db: db)
                            }
                        }
                    }
                }
            }
        }
        if let dx, let dxParts {
            let out = dx + group.rows.lowerBound * h
            for chunk in 0..<chunks {
                let part = dxParts + chunk * n * h
                for i in 0..<(n * h) { out[i] += part[i] }
            }
        }
        return blockSSE.reduce(0, +)
    }

    /// The group's measured targets (each row's values of `PanelGroup.rowValues` and, for a merged group, its
    /// `Layouts`) as pointers.
    private struct Targets {
        /// Per row of the group, its first value.
        let rowValues: UnsafePointer<UnsafePointer<Float>>
        let units: Int
        /// The merged group's layouts (nil for an exact group).
        let layouts: (rowLayout: UnsafePointer<Int32>, positions: UnsafePointer<Int32>)?

        /// Calls `body` with the targets of `group`, valid for the duration of the call.
        static func with<R>(_ group: PanelGroup, _ body: (Targets) -> R) -> R {
            let units = group.units.count
            let pointers = group.rowValues.map(\.readPointer)
            return withExtendedLifetime(group.rowValues) {
                pointers.withUnsafeBufferPointer { rowValues in
                    let rowValues = rowValues.baseAddress!
                    guard let layouts = group.layouts else {
                        return body(Targets(rowValues: rowValues, units: units, layouts: nil))
                    }
                    return layouts.rowLayout.withUnsafeBufferPointer { rowLayout in
                        layouts.positions.withUnsafeBufferPointer { positions in
                            body(
                                Targets(
                                    rowValues: rowValues, units: units,
                                    layouts: (rowLayout.baseAddress!, positions.baseAddress!)))
                        }
                    }
                }
            }
        }

        /// Turns row `row`'s outputs at unit positions `columns` (`out`, `columns.count` values) into residuals
        /// `out + b − t` where the row measures the unit and 0 elsewhere, in place; adds them into `sums` and returns
        /// their sum of squares (the C kernels `pb_panel_residuals*`, vectorized for the CPU). An exact group's
        /// targets are read straight from its row's values; a merged group's are picked through its layout in the
        /// same pass.
        @inline(__always)
        func residuals(
            row: Int, columns: Range<Int>, out: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
            sums: UnsafeMutablePointer<Float>
        ) -> Float {
            guard let (rowLayout, positions) = layouts else {
                return pb_panel_residuals(out, bias, rowValues[row] + columns.lowerBound, sums, columns.count)
            }
            return pb_panel_residuals_picked(
                out, bias, rowValues[row], positions + Int(rowLayout[row]) * units + columns.lowerBound, sums,
                columns.count)
        }
    }

    /// Buffers of one chunk: the gathered block weights (then the block's dW) and biases, its residuals and their
    /// column sums.
    private struct BlockScratch {
        let weights: UnsafeMutablePointer<Float>
        let biases: UnsafeMutablePointer<Float>
        let residuals: UnsafeMutablePointer<Float>
        let columnSums: UnsafeMutablePointer<Float>

        init(n: Int, bu: Int, h: Int) {
            weights = .allocate(capacity: bu * h)
            biases = .allocate(capacity: bu)
            residuals = .allocate(capacity: n * bu)
            columnSums = .allocate(capacity: bu)
        }

        func free() {
            weights.deallocate()
            biases.deallocate()
            residuals.deallocate()
            columnSums.deallocate()
        }
    }

    /// Units `columns` of the group (positions in `units`): forward, residuals, dx, dW and db; returns the block's
    /// sum of squared residuals.
    private func block(
        _ columns: Range<Int>, units: UnsafePointer<Int32>, n: Int, xRows: UnsafePointer<Float>,
        targets: Targets, scratch: BlockScratch,
        dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
        db: UnsafeMutablePointer<Float>?
    ) -> Double {
        let c0 = columns.lowerBound, bu = columns.count
        let wb = scratch.weights, biases = scratch.biases, r = scratch.residuals, sums = scratch.columnSums
        pb_gather_rows(wb, w, units + c0, bu, h)
        for k in 0..<bu {
            biases[k] = bias[Int(units[c0 + k])]
            sums[k] = 0
        }
        sgemm(
            transposeA: false, transposeB: true, m: n, n: bu, k: h, a: xRows, lda: h, b: wb, ldb: h, beta: 0, c: r,
            ldc: bu)
        // Residuals x·Wᵀ + b − t where measured, 0 elsewhere, with their column sums (db) in the same pass.
        var sse = 0.0
        for row in 0..<n {
            sse += Double(
                targets.residuals(row: row, columns: columns, out: r + row * bu, bias: biases, sums: sums))
        }
        if let dx {
            // dx_rows += α · R · W_block
            sgemm(
                transposeA: false, transposeB: false, m: n, n: h, k: bu, alpha: alpha, a: r, lda: bu, b: wb, ldb: h,
                beta: 1, c: dx, ldc: h)
        }
        if let dw {
            // dW_block = α · Rᵀ · x_rows, added into the unit rows (units of a group are distinct: no two chunks meet).
            sgemm(
                transposeA: true, transposeB: false, m: bu, n: h, k: n, alpha: alpha, a: r, lda: bu, b: xRows, ldb: h,
                beta: 0, c: wb, ldc: h)
            pb_add_rows(dw, units + c0, wb, bu, h)
        }
        if let db { for k in 0..<bu { db[Int(units[c0 + k])] += alpha * sums[k] } }
        return sse
    }
}
