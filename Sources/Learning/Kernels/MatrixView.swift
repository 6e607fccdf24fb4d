/// A read-only strided view of a Float32 matrix: element (i, j) is `base[i * rowStride + j * colStride]`.
///
/// Transposition only swaps the strides, so one multiply routine serves A·B, Aᵀ·B and A·Bᵀ:
/// the packing step reads through the strides.
struct MatrixView {
    let base: UnsafePointer<Float>
    let rows: Int
    let cols: Int
    let rowStride: Int
    let colStride: Int

    /// A dense row-major `rows × cols` matrix.
    init(_ base: UnsafePointer<Float>, rows: Int, cols: Int) {
        self.init(base, rows: rows, cols: cols, rowStride: cols, colStride: 1)
    }

    init(_ base: UnsafePointer<Float>, rows: Int, cols: Int, rowStride: Int, colStride: Int) {
        self.base = base
        self.rows = rows
        self.cols = cols
        self.rowStride = rowStride
        self.colStride = colStride
    }

    /// The transpose, without copying.
    var transposed: MatrixView { MatrixView(base, rows: cols, cols: rows, rowStride: colStride, colStride: rowStride) }
}

/// An aligned, manually managed buffer: kernels work on raw pointers, so workspaces are
/// allocated once (64-byte aligned for vector loads), zero-filled, and reused across batches.
final class AlignedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int, repeating value: Element) {
        self.count = count
        let n = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: n)
        pointer.initialize(repeating: value, count: n)
    }

    deinit { pointer.deallocate() }
}

/// A zero-filled Float workspace buffer.
final class FloatBuffer: @unchecked Sendable {
    private let storage: AlignedBuffer<Float>
    var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    var count: Int { storage.count }
    init(count: Int) { storage = AlignedBuffer(count: count, repeating: 0) }
}
