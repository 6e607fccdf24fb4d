/// Float32 matrix multiply `C = op(A)·op(B)` (or `C += op(A)·op(B)`), blocked and packed in the
/// manner of Goto & van de Geijn, "Anatomy of high-performance matrix multiplication" (2008):
/// panels of B (KC × NR) and A (MR × KC) are packed contiguously and a register-blocked
/// MR × NR micro-kernel runs over them.
///
/// Determinism. Every output element is computed by one fixed sequence of IEEE operations:
/// `c = (accumulate ? C[i,j] : 0)`, then for `p = 0, 1, …, K-1` in order, `c = c + A[i,p]·B[p,j]`
/// with a separately rounded multiply and add (Swift never contracts them into an FMA). Blocking
/// in K stores and reloads `c` exactly; zero-padded edge panels only add work for unused
/// elements; threads split the *output* into disjoint blocks. Hence the result is bit-identical
/// run to run, for any thread count, any tile sizes and any instruction set the compiler
/// targets (SSE2, AVX2 or AVX-512 execute the same IEEE single-precision operations), and equals
/// the naive triple loop in `GEMM.reference`.
enum GEMM {
    static let mr = 6
    static let nr = 16
    static let kc = 256
    static let nc = 1024

    /// Work below this many multiply-adds runs on one thread (threading would cost more than it saves).
    static let parallelThreshold = 1 << 17

    /// Computes `C[m×n] (+)= A[m×k]·B[k×n]` where `C` is row-major with leading dimension `ldc`.
    /// - Parameters:
    ///   - a: an `m × k` view.
    ///   - b: a `k × n` view.
    ///   - c: output, `m` rows of stride `ldc`.
    ///   - accumulate: add to `C` instead of overwriting it.
    ///   - workspace: packing buffers, one per thread.
    ///   - threads: 1 or 2.
    static func multiply(_ a: MatrixView, _ b: MatrixView, into c: UnsafeMutablePointer<Float>, ldc: Int,
                         accumulate: Bool, workspace: GEMMWorkspace, threads: Int) {
        precondition(a.cols == b.rows, "inner dimensions differ: \(a.cols) vs \(b.rows)")
        let m = a.rows, n = b.cols, k = a.cols
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let parts = (threads > 1 && m * n * k >= parallelThreshold) ? min(threads, workspace.scratch.count) : 1
        let mTiles = (m + mr - 1) / mr, nTiles = (n + nr - 1) / nr
        let splitRows = mTiles >= nTiles
        if parts == 1 || (splitRows ? mTiles : nTiles) < 2 {
            multiply(a, b, into: c, ldc: ldc, accumulate: accumulate, scratch: workspace.scratch[0])
            return
        }
        let cBox = UncheckedSendable(c)
        Parallel.forEach(parts: parts) { part in
            let rows = splitRows ? Parallel.range(part: part, of: parts, count: m, granule: mr) : 0..<m
            let cols = splitRows ? 0..<n : Parallel.range(part: part, of: parts, count: n, granule: nr)
            block(a, b, cBox.value, ldc, rows: rows, cols: cols, accumulate: accumulate, scratch: workspace.scratch[part])
        }
    }

    /// The same product on the calling thread only, with one thread's packing buffers.
    static func multiply(_ a: MatrixView, _ b: MatrixView, into c: UnsafeMutablePointer<Float>, ldc: Int,
                         accumulate: Bool, scratch: GEMMScratch) {
        precondition(a.cols == b.rows, "inner dimensions differ: \(a.cols) vs \(b.rows)")
        if a.cols == 0 {
            if !accumulate { for i in 0..<a.rows { (c + i * ldc).update(repeating: 0, count: b.cols) } }
            return
        }
        block(a, b, c, ldc, rows: 0..<a.rows, cols: 0..<b.cols, accumulate: accumulate, scratch: scratch)
    }

    /// The blocked loop nest over one rectangle of the output.
    ///
    /// Full MR-row panels of A are read in place through its strides (a broadcast per row and
    /// step needs no contiguity); only a final partial panel is packed, zero-padded. B panels are
    /// read in place when B's rows are contiguous (`colStride == 1`, 16 floats per step);
    /// otherwise (B = Wᵀ) the KC × NC block is packed once and reused by every row panel.
    private static func block(_ a: MatrixView, _ b: MatrixView, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                              rows: Range<Int>, cols: Range<Int>, accumulate: Bool, scratch: GEMMScratch) {
        let k = a.cols
        let packedA = scratch.packedA.pointer, packedB = scratch.packedB.pointer, tile = scratch.tile.pointer
        let directB = b.colStride == 1
        let fullRows = rows.lowerBound + (rows.count / mr) * mr
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let ncb = min(nc, cols.upperBound - jc)
            let fullCols = (ncb / nr) * nr
            var pc = 0
            while pc < k {
                let kcb = min(kc, k - pc)
                if !directB {
                    packPanels(b.transposed, first: jc, span: ncb, kFirst: pc, kCount: kcb, width: nr, into: packedB)
                } else if fullCols < ncb {
                    packPanels(b.transposed, first: jc + fullCols, span: ncb - fullCols, kFirst: pc, kCount: kcb,
                               width: nr, into: packedB + fullCols * kcb)
                }
                if fullRows < rows.upperBound {
                    packPanels(a, first: fullRows, span: rows.upperBound - fullRows, kFirst: pc, kCount: kcb,
                               width: mr, into: packedA)
                }
                let acc = accumulate || pc > 0
                var jr = 0
                while jr < ncb {
                    let width = min(nr, ncb - jr)
                    let inPlaceB = directB && width == nr
                    let bPanel = inPlaceB ? b.base + pc * b.rowStride + jc + jr : UnsafePointer(packedB + jr * kcb)
                    let bStep = inPlaceB ? b.rowStride : nr
                    var ir = rows.lowerBound
                    while ir < rows.upperBound {
                        let cTile = c + ir * ldc + jc + jr
                        if ir < fullRows {
                            let aPanel = a.base + ir * a.rowStride + pc * a.colStride
                            if width == nr {
                                microKernel(kcb, aPanel, a.rowStride, a.colStride, bPanel, bStep, cTile, ldc, acc)
                            } else {
                                edgeTile(kcb, aPanel, a.rowStride, a.colStride, bPanel, bStep, cTile, ldc, acc,
                                         mr, width, tile)
                            }
                        } else {
                            edgeTile(kcb, UnsafePointer(packedA), 1, mr, bPanel, bStep, cTile, ldc, acc,
                                     rows.upperBound - ir, width, tile)
                        }
                        ir += mr
                    }
                    jr += nr
                }
                pc += kcb
            }
            jc += ncb
        }
    }

    /// Packs rows `first..<first+span` of `m`, columns `kFirst..<kFirst+kCount`, into panels of
    /// `width` rows stored column by column: `panel[q][p * width + r] = m[first + q·width + r, kFirst + p]`,
    /// zero-padded to a multiple of `width` rows. A is packed as itself (width MR), B as Bᵀ (width NR).
    @inline(__always)
    private static func packPanels(_ m: MatrixView, first: Int, span: Int, kFirst: Int, kCount: Int, width: Int,
                                   into out: UnsafeMutablePointer<Float>) {
        var panel = 0
        while panel < span {
            let dst = out + panel * kCount
            let live = min(width, span - panel)
            if m.rowStride == 1 && live == width {
                // The panel's rows are adjacent in memory: copy `width` floats per step.
                for p in 0..<kCount {
                    (dst + p * width).update(from: m.base + first + panel + (kFirst + p) * m.colStride, count: width)
                }
            } else {
                for r in 0..<width {
                    if r < live {
                        let src = m.base + (first + panel + r) * m.rowStride + kFirst * m.colStride
                        let cs = m.colStride
                        for p in 0..<kCount { dst[p * width + r] = src[p * cs] }
                    } else {
                        for p in 0..<kCount { dst[p * width + r] = 0 }
                    }
                }
            }
            panel += width
        }
    }

    /// A partial tile: computed in full into `tile`, then the live part copied out, so its
    /// elements see exactly the operations of a full tile.
    @inline(never)
    private static func edgeTile(_ kc: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aStep: Int,
                                 _ b: UnsafePointer<Float>, _ bStep: Int,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool,
                                 _ height: Int, _ width: Int, _ tile: UnsafeMutablePointer<Float>) {
        tile.update(repeating: 0, count: mr * nr)
        if accumulate {
            for r in 0..<height { (tile + r * nr).update(from: c + r * ldc, count: width) }
        }
        microKernel(kc, a, aRow, aStep, b, bStep, tile, nr, accumulate)
        for r in 0..<height { (c + r * ldc).update(from: tile + r * nr, count: width) }
    }

    /// The 6 × 16 register-blocked kernel: six SIMD16 accumulators, one B row and one broadcast
    /// A value per row and step. `c[r] = c[r] + b · a[r]`, multiply and add rounded separately.
    /// A element (r, p) is `a[r·aRow + p·aStep]`; B row p is the 16 floats at `b + p·bStep`.
    @inline(__always)
    private static func microKernel(_ kc: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aStep: Int,
                                    _ b: UnsafePointer<Float>, _ bStep: Int,
                                    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) {
        typealias V = SIMD16<Float>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        if accumulate {
            c0 = UnsafeRawPointer(c).loadUnaligned(as: V.self)
            c1 = UnsafeRawPointer(c + ldc).loadUnaligned(as: V.self)
            c2 = UnsafeRawPointer(c + 2 * ldc).loadUnaligned(as: V.self)
            c3 = UnsafeRawPointer(c + 3 * ldc).loadUnaligned(as: V.self)
            c4 = UnsafeRawPointer(c + 4 * ldc).loadUnaligned(as: V.self)
            c5 = UnsafeRawPointer(c + 5 * ldc).loadUnaligned(as: V.self)
        }
        var ap = a, bp = b
        for _ in 0..<kc {
            let bv = UnsafeRawPointer(bp).loadUnaligned(as: V.self)
            c0 = c0 + bv * ap[0]
            c1 = c1 + bv * ap[aRow]
            c2 = c2 + bv * ap[2 * aRow]
            c3 = c3 + bv * ap[3 * aRow]
            c4 = c4 + bv * ap[4 * aRow]
            c5 = c5 + bv * ap[5 * aRow]
            ap += aStep
            bp += bStep
        }
        UnsafeMutableRawPointer(c).storeBytes(of: c0, as: V.self)
        UnsafeMutableRawPointer(c + ldc).storeBytes(of: c1, as: V.self)
        UnsafeMutableRawPointer(c + 2 * ldc).storeBytes(of: c2, as: V.self)
        UnsafeMutableRawPointer(c + 3 * ldc).storeBytes(of: c3, as: V.self)
        UnsafeMutableRawPointer(c + 4 * ldc).storeBytes(of: c4, as: V.self)
        UnsafeMutableRawPointer(c + 5 * ldc).storeBytes(of: c5, as: V.self)
    }

    /// The naive triple loop with the same per-element operation order; the specification that
    /// `multiply` must match bit for bit (used by tests).
    static func reference(_ a: MatrixView, _ b: MatrixView, into c: UnsafeMutablePointer<Float>, ldc: Int,
                          accumulate: Bool) {
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                var sum: Float = accumulate ? c[i * ldc + j] : 0
                for p in 0..<a.cols {
                    sum = sum + a.base[i * a.rowStride + p * a.colStride] * b.base[p * b.rowStride + j * b.colStride]
                }
                c[i * ldc + j] = sum
            }
        }
    }
}

/// Packing buffers for one thread of `GEMM`.
final class GEMMScratch: @unchecked Sendable {
    let packedA = FloatBuffer(count: GEMM.mr * GEMM.kc)
    let packedB = FloatBuffer(count: GEMM.kc * GEMM.nc)
    let tile = FloatBuffer(count: GEMM.mr * GEMM.nr)
}

/// Packing buffers for every thread; allocate once per model workspace.
final class GEMMWorkspace: @unchecked Sendable {
    let scratch: [GEMMScratch]
    init(threads: Int) { scratch = (0..<max(1, threads)).map { _ in GEMMScratch() } }
}
