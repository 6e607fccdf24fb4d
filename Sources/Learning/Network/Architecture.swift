/// Nonlinearity between layers.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case relu
    case tanh
}

/// The model families privfed trains on MNIST.
///
/// - `mlp`: 784 → 128 (ReLU) → 10.
/// - `cnn`: conv 16 filters 8×8 stride 2 padding 3 → act → max-pool 2 stride 1 → conv 32 filters
///   4×4 stride 2 → act → max-pool 2 stride 1 → flatten (4·4·32 = 512) → fc 32 → act → fc 10.
///   This is the MNIST network of Papernot et al., "Tempered Sigmoid Activations for Deep
///   Learning with Differential Privacy" (AAAI 2021), also the Opacus MNIST example; tanh is
///   the default because that paper finds bounded activations train better under DP-SGD.
/// - `scatterLinear`: on scattering features (`ScatteringTransform`, J = 2, L = 8: 81 channels
///   at 7 × 7, computed once per example before training), group normalisation (27 groups of 3
///   channels, no learned affine part) → fc 3969 → 10: the "ScatterNet + linear" model of
///   Tramèr & Boneh, "Differentially Private Learning Needs Better Features (or Much More
///   Data)", ICLR 2021, Table 1 and §3 (they use GroupNorm with 27 groups on MNIST features).
/// - `scatterCNN`: the same features and group norm, then conv 16 filters 3×3 stride 2 padding 1
///   (7×7 → 4×4) → act → conv 32 filters 3×3 stride 1 padding 1 → act → flatten (4·4·32 = 512)
///   → fc 32 → act → fc 10: Tramèr & Boneh's "ScatterNet + CNN" for MNIST (their MNIST_CNN on
///   81-channel inputs), about 33,000 parameters.
public enum Architecture: Sendable, Hashable, Codable, CustomStringConvertible {
    case mlp
    case cnn(activation: Activation)
    case scatterLinear
    case scatterCNN(activation: Activation)

    /// Scattering parameters of `scatterLinear` (Tramèr & Boneh's, Kymatio's MNIST example).
    public static let scatteringScales = 2, scatteringOrientations = 8
    /// Groups of the normalisation in front of the linear head.
    static let scatterGroups = 27

    /// Parses the manifest names `mlp` and `cnn` (the activation applies to the cnn only).
    public init?(name: String, activation: Activation = .tanh) {
        switch name.lowercased() {
        case "mlp": self = .mlp
        case "cnn": self = .cnn(activation: activation)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .mlp: return "mlp"
        case .cnn(let activation): return "cnn-\(activation.rawValue)"
        case .scatterLinear: return "scatter-linear"
        case .scatterCNN(let activation): return "scatter-cnn-\(activation.rawValue)"
        }
    }

    /// Whether the network takes scattering features instead of pixels.
    public var takesScatteringFeatures: Bool {
        switch self {
        case .mlp, .cnn: return false
        case .scatterLinear, .scatterCNN: return true
        }
    }

    /// Floats per input example: 784 pixels, or the scattering features.
    public var inputSize: Int {
        switch self {
        case .mlp, .cnn: return LabeledImages.pixelsPerImage
        case .scatterLinear, .scatterCNN: return Self.scatterSide * Self.scatterSide * Self.scatterChannels
        }
    }

    private static var scatterChannels: Int {
        ScatteringTransform.channels(scales: scatteringScales, orientations: scatteringOrientations)
    }
    private static var scatterSide: Int { ScatteringTransform.outputSide(imageSide: 28, scales: scatteringScales) }

    /// Number of Float parameters in the flat vector.
    public var parameterCount: Int { NetworkPlan(self).parameterCount }

    /// The layer list, in order.
    var layers: [LayerSpec] {
        switch self {
        case .mlp:
            return [.affine(.linear(inputs: 784, outputs: 128)), .relu, .affine(.linear(inputs: 128, outputs: 10))]
        case .cnn(let activation):
            let act: LayerSpec = activation == .relu ? .relu : .tanh
            let conv1 = AffineShape.conv(ConvGeometry(inChannels: 1, height: 28, width: 28, outChannels: 16,
                                                      kernel: 8, stride: 2, padding: 3))
            let pool1 = PoolGeometry(channels: 16, height: 14, width: 14, kernel: 2, stride: 1)
            let conv2 = AffineShape.conv(ConvGeometry(inChannels: 16, height: 13, width: 13, outChannels: 32,
                                                      kernel: 4, stride: 2, padding: 0))
            let pool2 = PoolGeometry(channels: 32, height: 5, width: 5, kernel: 2, stride: 1)
            return [.affine(conv1), act, .maxPool(pool1), .affine(conv2), act, .maxPool(pool2),
                    .flatten(512), .affine(.linear(inputs: 512, outputs: 32)), act,
                    .affine(.linear(inputs: 32, outputs: 10))]
        case .scatterLinear:
            let norm = GroupNormGeometry(positions: Self.scatterSide * Self.scatterSide, channels: Self.scatterChannels,
                                         groups: Self.scatterGroups)
            return [.groupNorm(norm), .affine(.linear(inputs: norm.size, outputs: 10))]
        case .scatterCNN(let activation):
            let act: LayerSpec = activation == .relu ? .relu : .tanh
            let side = Self.scatterSide
            let norm = GroupNormGeometry(positions: side * side, channels: Self.scatterChannels, groups: Self.scatterGroups)
            let conv1 = ConvGeometry(inChannels: Self.scatterChannels, height: side, width: side, outChannels: 16,
                                     kernel: 3, stride: 2, padding: 1)
            let conv2 = ConvGeometry(inChannels: 16, height: conv1.outHeight, width: conv1.outWidth, outChannels: 32,
                                     kernel: 3, stride: 1, padding: 1)
            let flat = conv2.outHeight * conv2.outWidth * 32
            return [.groupNorm(norm), .affine(.conv(conv1)), act, .affine(.conv(conv2)), act,
                    .flatten(flat), .affine(.linear(inputs: flat, outputs: 32)), act,
                    .affine(.linear(inputs: 32, outputs: 10))]
        }
    }
}
