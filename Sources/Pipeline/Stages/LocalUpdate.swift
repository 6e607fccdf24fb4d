import DifferentialPrivacy
import Learning
import Randomness

/// A client's local training from the broadcast model to the delta it releases, written once:
/// the in-process stages (`LocalTrainStage`, `DPSGDLocalTrainStage`) and a networked agent
/// (`AgentDevice`) call the same code with the client's own data and streams, so a job trains
/// the same way wherever its clients run.
public enum LocalUpdate {
    /// `local_epochs` of minibatch SGD over `indices` of `data`, shuffled on stream
    /// `round/R/shuffle` of the client's root; the delta is local − global.
    static func plain(architecture: Architecture, global: [Float], data: LabeledImages, indices: [Int], federation fed: FederationSettings,
                      learningRate: Double, threads: Int, streams: RandomStreams, round: Int) -> (delta: [Float], meanLoss: Double) {
        var generator = streams.generator("round/\(round)/shuffle")
        let result = ClientTraining.train(architecture: architecture, parameters: global, data: data, indices: indices,
                                          epochs: fed.localEpochs, batchSize: fed.batchSize, learningRate: Float(learningRate),
                                          momentum: Float(fed.momentum), threads: threads, generator: &generator)
        return (difference(result.parameters, global), result.meanLoss)
    }

    /// `steps` DP-SGD steps (`DPSGDClientTraining`) over `indices` of `data`, batches on stream
    /// `round/R/sampling` and noise on `round/R/noise` of the client's root; with `privacy.ema_decay`
    /// the released parameters are the average of the iterates (`IterateAverage`); with
    /// `privacy.augmentation_multiplicity` the shifts come from `round/R/augmentation` (a stream
    /// of its own, so the batches and noise of a job without it are unchanged).
    static func dpsgd(architecture: Architecture, global: [Float], data: LabeledImages, indices: [Int], configuration: DPSGDConfiguration,
                      steps: Int, federation fed: FederationSettings, privacy: PrivacySettings, learningRate: Double, threads: Int,
                      streams: RandomStreams, round: Int) -> (delta: [Float], training: DPSGDClientTraining.Result) {
        var sampling = streams.generator("round/\(round)/sampling")
        var noise = streams.generator("round/\(round)/noise")
        let augmentation = privacy.augmentation
        let training = DPSGDClientTraining(architecture: architecture, configuration: configuration, learningRate: Float(learningRate),
                                           momentum: Float(fed.momentum), threads: threads, emaDecay: privacy.emaDecay.map(Float.init),
                                           augmentation: augmentation)
        let result = training.train(parameters: global, data: data, indices: indices, steps: steps, sampling: &sampling, noise: &noise,
                                    augmenting: augmentation.map { _ in streams.generator("round/\(round)/augmentation") })
        return (difference(result.parameters, global), result)
    }

    static func difference(_ local: [Float], _ global: [Float]) -> [Float] {
        var delta = local
        for i in delta.indices { delta[i] -= global[i] }
        return delta
    }
}
