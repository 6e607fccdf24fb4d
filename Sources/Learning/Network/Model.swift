import Randomness

/// A network's architecture and all of its parameters in one flat `[Float]` vector.
///
/// The flat vector is what federated averaging, encryption and secret sharing operate on. Layout:
/// for each affine layer in order, its weights (`outputs × inputs` row-major; for a convolution
/// `outChannels × (kernelRow, kernelColumn, inChannel)`, activations being NHWC) then its biases.
public struct Model: Sendable, Equatable {
    public let architecture: Architecture
    public var parameters: [Float]

    /// Number of parameters (the length of the flat vector).
    public var parameterCount: Int { parameters.count }

    /// Wraps existing parameters.
    /// - Precondition: `parameters.count == architecture.parameterCount`.
    public init(architecture: Architecture, parameters: [Float]) {
        precondition(parameters.count == architecture.parameterCount,
                     "\(architecture) needs \(architecture.parameterCount) parameters, got \(parameters.count)")
        self.architecture = architecture
        self.parameters = parameters
    }

    /// Fresh parameters drawn from `generator`.
    ///
    /// Weights are uniform on [−b, b]: for ReLU networks the Kaiming/He bound
    /// b = √(6 / fan_in) (He et al., "Delving Deep into Rectifiers", ICCV 2015, §2.2); for tanh
    /// networks and the linear head on scattering features the Glorot/Xavier bound b = √(6 / (fan_in + fan_out)) (Glorot & Bengio,
    /// AISTATS 2010, eq. 16). fan_in is the patch size, fan_out the outputs times the kernel area.
    /// Biases start at 0. Draws are taken layer by layer, weights in flat order, one
    /// `nextUnitFloat()` each.
    public init(architecture: Architecture, generator: inout ChaCha20Generator) {
        let plan = NetworkPlan(architecture)
        var parameters = [Float](repeating: 0, count: plan.parameterCount)
        let glorot: Bool
        switch architecture {
        case .mlp: glorot = false
        case .cnn(let activation): glorot = activation == .tanh
        case .scatterLinear: glorot = true
        case .scatterCNN(let activation): glorot = activation == .tanh
        }
        for layer in plan.layers {
            guard case .affine(let shape) = layer.spec else { continue }
            let fanIn = shape.patch
            let kernelArea: Int
            if case .conv(let g) = shape { kernelArea = g.kernel * g.kernel } else { kernelArea = 1 }
            let fanOut = shape.outputs * kernelArea
            let bound = glorot ? (6 / Float(fanIn + fanOut)).squareRoot() : (6 / Float(fanIn)).squareRoot()
            for i in 0..<shape.weightCount {
                parameters[layer.parameterOffset + i] = (2 * generator.nextUnitFloat() - 1) * bound
            }
        }
        self.init(architecture: architecture, parameters: parameters)
    }
}
