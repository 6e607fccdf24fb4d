import HomomorphicEncryption
import Randomness
import SecureComputation

/// Client C as its own device: what belongs to client C and to nobody else — its shard, the
/// streams of its secret root, its HE secret-key share, its trained update before protection and
/// its SecAgg input. Only a client-side step (training, `protect`, its decryption shares) is given
/// one; what leaves it is a message through the job's transport. A networked agent (issue 14)
/// holds exactly this.
public struct ClientDevice: Sendable {
    public let index: Int
    /// Its training examples (indices into the simulation's copy of the training set; on a
    /// machine of its own, its own files).
    public let shard: [Int]
    /// Its private streams (`JobSecrets`): shuffles, DP noise and batches, its cohort coin, HE
    /// key share and encryption randomness, smudging, SecAgg keys and masks, additive shares.
    let streams: RandomStreams
    /// Its secret-key share of the current HE key epoch (erased when the epoch ends, or once
    /// re-shared to the share-holders).
    var heKeyShare: SecretKey?
    /// The collective public key of the current epoch, as the aggregator sent it.
    var hePublicKey: PublicKey?
    /// Its trained update, kept until `encrypt` or `share` protects it; it never leaves in this form.
    var pendingUpdate: ClientUpdateMessage?
    /// SecAgg: its weighted fixed-point input, until the protocol masks it.
    var secAggInput: [UInt64]?

    init(index: Int, shard: [Int], streams: RandomStreams) {
        self.index = index; self.shard = shard; self.streams = streams
    }
}

/// Share-holder h as its own device (additive sharing, DP + HE + MPC): its streams, its share of
/// the re-shared HE key, and the additive shares it received this round.
public struct ShareHolderDevice: Sendable {
    public let index: Int
    let streams: RandomStreams
    /// Its additive share S_h of the current epoch's collective secret (DP + HE + MPC).
    var heKeyShare: HolderKeyShare?
    /// The clients' additive shares received this round, and their bytes as carried.
    var inbox: [AdditiveShareMessage] = []
    var bytesReceived = 0

    init(index: Int, streams: RandomStreams) { self.index = index; self.streams = streams }
}
