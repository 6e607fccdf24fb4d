/// Stochastic gradient descent with optional momentum and L2 weight decay, in the convention of
/// PyTorch's `torch.optim.SGD` (Sutskever et al. 2013 heavy-ball form):
/// `g ← g + λ·θ`, `v ← μ·v + g`, `θ ← θ − η·v` (without momentum, `θ ← θ − η·g`).
public struct SGD: Sendable, Equatable, Codable {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float

    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        precondition(learningRate > 0 && learningRate.isFinite, "learning rate must be positive")
        precondition(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)")
        precondition(weightDecay >= 0, "weight decay must be non-negative")
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// One update. `velocity` is the momentum buffer (same length as the parameters, start at 0;
    /// unused when momentum is 0).
    public func step(parameters: inout [Float], gradient: [Float], velocity: inout [Float]) {
        precondition(parameters.count == gradient.count, "gradient length \(gradient.count) ≠ \(parameters.count)")
        gradient.withUnsafeBufferPointer { g in
            parameters.withUnsafeMutableBufferPointer { p in
                step(parameters: p.baseAddress!, gradient: g.baseAddress!, count: p.count, velocity: &velocity)
            }
        }
    }

    func step(parameters p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, count: Int,
              velocity: inout [Float]) {
        let lr = learningRate, mu = momentum, wd = weightDecay
        if mu == 0 {
            for i in 0..<count { p[i] -= lr * (g[i] + wd * p[i]) }
            return
        }
        precondition(velocity.count == count, "velocity length \(velocity.count) ≠ \(count)")
        velocity.withUnsafeMutableBufferPointer { v in
            for i in 0..<count {
                v[i] = mu * v[i] + (g[i] + wd * p[i])
                p[i] -= lr * v[i]
            }
        }
    }
}
