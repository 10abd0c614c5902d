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

    /// The group's measured targets (`PanelGroup.values` and, for a merged group, its `Layouts`) as pointers.
    private struct Targets {
        let values: UnsafePointer<Float>
        let units: Int
        /// The merged group's layouts (nil for an exact group).
        let layouts: (offsets: UnsafePointer<Int>, rowLayout: UnsafePointer<Int32>, positions: UnsafePointer<Int32>)?

        /// Calls `body` with the targets of `group`, valid for the duration of the call.
        static func with<R>(_ group: PanelGroup, _ body: (Targets) -> R) -> R {
            let values = group.values.readPointer, units = group.units.count
            guard let layouts = group.layouts else { return body(Targets(values: values, units: units, layouts: nil)) }
            return layouts.offsets.withUnsafeBufferPointer { offsets in
                layouts.rowLayout.withUnsafeBufferPointer { rowLayout in
                    layouts.positions.withUnsafeBufferPointer { positions in
                        body(
                            Targets(
                                values: values, units: units,
                                layouts: (offsets.baseAddress!, rowLayout.baseAddress!, positions.baseAddress!)))
                    }
                }
            }
        }

        /// Targets and mask (nil: all measured) of row `row` at unit positions `columns`: straight from `values` for
        /// an exact group, else gathered into the scratch buffers (0 and mask 0 where the row does not measure).
        @inline(__always)
        func block(
            row: Int, columns: Range<Int>, scratch: BlockScratch
        ) -> (UnsafePointer<Float>, UnsafePointer<Float>?) {
            guard let (offsets, rowLayout, positions) = layouts else {
                return (values + row * units + columns.lowerBound, nil)
            }
            let from = values + offsets[row], at = positions + Int(rowLayout[row]) * units + columns.lowerBound
            let t = scratch.targets, m = scratch.mask
            for k in 0..<columns.count {
                let position = Int(at[k])
                t[k] = position >= 0 ? from[max(0, position)] : 0
                m[k] = position >= 0 ? 1 : 0
            }
            return (UnsafePointer(t), UnsafePointer(m))
        }
    }

    /// Buffers of one chunk: the gathered block weights (then the block's dW), its residuals and their column sums,
    /// and one row's gathered targets and mask (merged groups).
    private struct BlockScratch {
        let weights: UnsafeMutablePointer<Float>
        let residuals: UnsafeMutablePointer<Float>
        let columnSums: UnsafeMutablePointer<Float>
        let targets: UnsafeMutablePointer<Float>
        let mask: UnsafeMutablePointer<Float>

        init(n: Int, bu: Int, h: Int) {
            weights = .allocate(capacity: bu * h)
            residuals = .allocate(capacity: n * bu)
            columnSums = .allocate(capacity: bu)
            targets = .allocate(capacity: bu)
            mask = .allocate(capacity: bu)
        }

        func free() {
            weights.deallocate()
            residuals.deallocate()
            columnSums.deallocate()
            targets.deallocate()
            mask.deallocate()
        }
    }

    /// Turns `count` outputs into residuals `out + b − t` (0 where `mask` is 0) in place, 8 lanes at a time;
    /// returns their sum of squares (lane sums, then the tail, in a fixed order).
    @inline(__always)
    private static func residuals(
        _ out: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
        target: UnsafePointer<Float>, mask: UnsafePointer<Float>?, count: Int
    ) -> Float {
        typealias Lanes = SIMD8<Float>
        func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        var squares = Lanes(), k = 0
        while k + Lanes.scalarCount <= count {
            var d = load(out + k) + load(bias + k) - load(target + k)
            if let mask { d.replace(with: 0, where: load(mask + k) .== 0) }
            UnsafeMutableRawPointer(out + k).storeBytes(of: d, as: Lanes.self)
            squares += d * d
            k += Lanes.scalarCount
        }
        var tail: Float = 0
        while k < count {
            let unmeasured = mask.map { $0[k] == 0 } ?? false
            let d = unmeasured ? 0 : out[k] + bias[k] - target[k]
            out[k] = d
            tail += d * d
            k += 1
        }
        return squares.sum() + tail
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
        let wb = scratch.weights, r = scratch.residuals, sums = scratch.columnSums
        for k in 0..<bu {
            (wb + k * h).update(from: w + Int(units[c0 + k]) * h, count: h)
            sums[k] = bias[Int(units[c0 + k])]
        }
        sgemm(
            transposeA: false, transposeB: true, m: n, n: bu, k: h, a: xRows, lda: h, b: wb, ldb: h, beta: 0, c: r,
            ldc: bu)
        // Residuals x·Wᵀ + b − t where measured, 0 elsewhere; `sums` holds the block's biases, then its column sums.
        var sse = 0.0
        for row in 0..<n {
            let (target, mask) = targets.block(row: row, columns: columns, scratch: scratch)
            sse += Double(Self.residuals(r + row * bu, bias: sums, target: target, mask: mask, count: bu))
        }
        if db != nil {
            for k in 0..<bu { sums[k] = 0 }
            for row in 0..<n { for k in 0..<bu { sums[k] += r[row * bu + k] } }
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
            for k in 0..<bu {
                let to = dw + Int(units[c0 + k]) * h, from = wb + k * h
                for j in 0..<h { to[j] += from[j] }
            }
        }
        if let db { for k in 0..<bu { db[Int(units[c0 + k])] += alpha * sums[k] } }
        return sse
    }
}
