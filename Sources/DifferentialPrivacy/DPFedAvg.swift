import Randomness

/// Client-level DP for federated averaging (McMahan, Ramage, Talwar, Zhang 2018, "Learning
/// differentially private recurrent language models", Alg. 1 with the Gaussian mechanism):
/// each sampled client's model update is clipped to L2 norm C, the server adds N(0, σ²C²·I) to
/// the sum, and clients are sampled independently with rate q = clients_per_round / clients,
/// so the accounting is the Poisson-subsampled Gaussian's with unit of privacy "client".
///
/// Distributed noise: when the sum is encrypted or secret-shared the server never holds it in
/// the clear, so each of the k participating clients adds N(0, σ²C²/k·I) to its own clipped
/// update; the k independent shares sum to N(0, σ²C²·I), the same mechanism. Caveats: if a
/// client drops out after noising, the sum carries only the surviving shares' variance (plan k
/// as the number whose shares reach the sum); and clients colluding with the server can subtract
/// their own shares, so against t colluders only (k − t)/k of the variance protects.
public enum DPFedAvg {
    /// Clips a client's update to L2 norm `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clipUpdate(_ update: inout [Float], maxNorm: Double) -> Double {
        GradientClipping.clip(&update, maxNorm: maxNorm)
    }

    /// σ·C: the standard deviation of the noise on the sum of clipped updates.
    public static func centralNoiseStandardDeviation(noiseMultiplier: Double, maxNorm: Double) -> Double {
        precondition(noiseMultiplier > 0 && maxNorm > 0)
        return noiseMultiplier * maxNorm
    }

    /// σ·C/√k: each of `parties` clients' share, so that the shares' sum has variance σ²C².
    public static func distributedNoiseStandardDeviation(noiseMultiplier: Double, maxNorm: Double, parties: Int) -> Double {
        precondition(parties >= 1, "at least one party must add noise")
        return centralNoiseStandardDeviation(noiseMultiplier: noiseMultiplier, maxNorm: maxNorm) / Double(parties).squareRoot()
    }

    /// Adds N(0, σ²C²) to every coordinate of the (clear) sum of clipped updates.
    public static func addCentralNoise(to sum: inout [Float], noiseMultiplier: Double, maxNorm: Double,
                                       using generator: inout ChaCha20Generator) {
        GaussianSampler.addNoise(to: &sum, standardDeviation: centralNoiseStandardDeviation(
            noiseMultiplier: noiseMultiplier, maxNorm: maxNorm), using: &generator)
    }

    /// Adds this client's share N(0, σ²C²/k) to its clipped update before it is encrypted or
    /// secret-shared.
    public static func addDistributedNoiseShare(to update: inout [Float], noiseMultiplier: Double, maxNorm: Double,
                                                parties: Int, using generator: inout ChaCha20Generator) {
        GaussianSampler.addNoise(to: &update, standardDeviation: distributedNoiseStandardDeviation(
            noiseMultiplier: noiseMultiplier, maxNorm: maxNorm, parties: parties), using: &generator)
    }
}
