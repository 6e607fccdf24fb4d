/// Geometry of a 2-D convolution on NHWC activations (one example is `height × width × channels`,
/// channels fastest). Weights are `outChannels × (kernel · kernel · inChannels)`, row-major with
/// the patch in (kernel row, kernel column, input channel) order, matching the im2col rows.
struct ConvGeometry: Hashable {
    let inChannels, height, width, outChannels, kernel, stride, padding: Int
    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Output positions per example (rows of the im2col matrix per example).
    var positions: Int { outHeight * outWidth }
    /// Inputs per output position (columns of the im2col matrix).
    var patch: Int { kernel * kernel * inChannels }
}

/// Geometry of a max-pool on NHWC activations.
struct PoolGeometry: Hashable {
    let channels, height, width, kernel, stride: Int
    var outHeight: Int { (height - kernel) / stride + 1 }
    var outWidth: Int { (width - kernel) / stride + 1 }
    var inputSize: Int { height * width * channels }
    var outputSize: Int { outHeight * outWidth * channels }
}

/// A layer that computes `Y = X·Wᵀ + b` row by row: a fully connected layer (one row per example)
/// or a convolution (one row per output position, X being the im2col matrix).
enum AffineShape: Hashable {
    case linear(inputs: Int, outputs: Int)
    case conv(ConvGeometry)

    /// Rows per example.
    var positions: Int {
        switch self {
        case .linear: return 1
        case .conv(let g): return g.positions
        }
    }
    /// Columns of X (= columns of W).
    var patch: Int {
        switch self {
        case .linear(let inputs, _): return inputs
        case .conv(let g): return g.patch
        }
    }
    /// Columns of Y (= rows of W).
    var outputs: Int {
        switch self {
        case .linear(_, let outputs): return outputs
        case .conv(let g): return g.outChannels
        }
    }
    var inputSize: Int {
        switch self {
        case .linear(let inputs, _): return inputs
        case .conv(let g): return g.height * g.width * g.inChannels
        }
    }
    var outputSize: Int { positions * outputs }
    var weightCount: Int { outputs * patch }
    var parameterCount: Int { weightCount + outputs }
}

/// One layer of a sequential network.
enum LayerSpec: Hashable {
    case affine(AffineShape)
    case relu
    case tanh
    case maxPool(PoolGeometry)
    case flatten(Int)
    case groupNorm(GroupNormGeometry)
}

/// A layer with its sizes resolved and its slice of the flat parameter vector.
struct PlannedLayer {
    let spec: LayerSpec
    let inputSize: Int
    let outputSize: Int
    /// Start of this layer's weights in the flat vector (biases follow the weights).
    let parameterOffset: Int
    let parameterCount: Int
}

/// A resolved sequential network: per-layer sizes and parameter offsets.
struct NetworkPlan {
    let layers: [PlannedLayer]
    let parameterCount: Int
    let inputSize: Int
    let classes: Int

    init(_ architecture: Architecture) {
        self.init(layers: architecture.layers, inputSize: architecture.inputSize)
    }

    /// A plan for any layer list (tests build small networks this way).
    init(layers: [LayerSpec], inputSize: Int) {
        var planned: [PlannedLayer] = []
        var size = inputSize, offset = 0
        for spec in layers {
            let out: Int, count: Int
            switch spec {
            case .affine(let shape):
                precondition(shape.inputSize == size, "layer input \(shape.inputSize) ≠ previous output \(size)")
                out = shape.outputSize
                count = shape.parameterCount
            case .relu, .tanh:
                out = size
                count = 0
            case .maxPool(let g):
                precondition(g.inputSize == size, "pool input \(g.inputSize) ≠ previous output \(size)")
                out = g.outputSize
                count = 0
            case .flatten(let n):
                precondition(n == size, "flatten \(n) ≠ previous output \(size)")
                out = n
                count = 0
            case .groupNorm(let g):
                precondition(g.size == size, "group norm input \(g.size) ≠ previous output \(size)")
                precondition(g.groups >= 1 && g.channels % g.groups == 0, "\(g.groups) groups do not divide \(g.channels) channels")
                out = size
                count = 0
            }
            planned.append(PlannedLayer(spec: spec, inputSize: size, outputSize: out, parameterOffset: offset,
                                        parameterCount: count))
            size = out
            offset += count
        }
        self.layers = planned
        parameterCount = offset
        self.inputSize = inputSize
        classes = size
    }
}
