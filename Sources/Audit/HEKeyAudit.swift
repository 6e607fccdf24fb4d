import Foundation
import HomomorphicEncryption
import Pipeline
import ResultsStore

/// The homomorphic-encryption findings of an audit, from `he_keys` and the round metrics alone.
///
/// - `he_key_rotation`: the job used exactly the keys its manifest's policy (`rotate_keys_every`)
///   calls for over the rounds it completed — one key per epoch, epochs 0, 1, … without a gap, each
///   made at the first round of its epoch, every one a fresh key (no identifier repeats), of the
///   manifest's scheme and ring degree, shared among all of the job's clients. A key kept past its
///   epoch, or a rotation that re-used the old key, breaks the bound the policy sets on how much
///   ciphertext any one key protects.
/// - `he_security`: every key's parameters meet 128-bit security by the HomomorphicEncryption.org
///   standard (Albrecht et al. 2018, Table 1, ternary secret): log2 Q, special primes included, at
///   most the bound for its ring degree. The recorded parameters are checked, not the manifest's,
///   so a job run by a build that ignored the check is caught. Every threshold decryption's smudging
///   noise is sized for the noise it must hide (`smudgingFinding`).
struct HEKeyAudit {
    let database: ResultsDatabase

    /// The two findings, or none for a job without homomorphic encryption.
    /// `metrics`: the job's recorded metrics (read once by the auditor).
    func findings(job: JobRecord, manifest: JobManifest?, metrics: [MetricRecord]) throws -> [AuditFinding] {
        let keys = try database.heKeys(jobId: job.id!)
        guard let manifest, manifest.privacy.homomorphicEncryption else {
            return keys.isEmpty ? [] : [AuditFinding("he_key_rotation", false,
                "\(keys.count) HE keys are recorded but the manifest does not enable homomorphic_encryption")]
        }
        // The decrypt stage's metrics, and the aggregate stage's Σ w_k the BFV noise check needs.
        let decryptions = metrics.filter {
            $0.client == nil && ($0.stage == "decrypt" || ($0.stage == "aggregate" && $0.name == "weight_sum"))
        }
        return [rotation(keys, job: job, manifest: manifest), security(keys, decryptions: decryptions)]
    }

    /// λ: the statistical security every decryption share's smudging must reach (bits).
    static let statisticalSecurity = 40

    func rotation(_ keys: [HEKeyRecord], job: JobRecord, manifest: JobManifest) -> AuditFinding {
        let p = manifest.privacy
        let every = p.rotateKeysEvery
        let rounds = job.roundsCompleted
        func epoch(ofRound r: Int) -> Int { every.map { (r - 1) / $0 } ?? 0 }
        func firstRound(ofEpoch e: Int) -> Int { every.map { e * $0 + 1 } ?? 1 }
        let expected = rounds == 0 ? [] : Array(0...epoch(ofRound: rounds))
        let policy = every.map { "rotated every \($0) round\($0 == 1 ? "" : "s")" } ?? "one key for the whole job (no rotate_keys_every)"
        var problems: [String] = []
        let epochs = keys.map(\.epoch)
        if epochs != expected {
            problems.append("keys recorded for epochs \(epochs) but \(rounds) completed rounds \(policy) need epochs \(expected)")
        }
        let scheme = p.encryptionScheme.rawValue, degree = p.keyLength ?? HESetup.defaultRingDegree
        for key in keys {
            if key.createdRound != firstRound(ofEpoch: key.epoch) {
                problems.append("the key of epoch \(key.epoch) was made in round \(key.createdRound), not at its epoch's first round \(firstRound(ofEpoch: key.epoch))")
            }
            if key.scheme != scheme || key.ringDegree != degree {
                problems.append("the key of epoch \(key.epoch) is \(key.scheme) N = \(key.ringDegree), the manifest asks for \(scheme) N = \(degree)")
            }
            if key.parties != manifest.dataset.clients {
                problems.append("the key of epoch \(key.epoch) is shared by \(key.parties) parties, the job has \(manifest.dataset.clients) clients")
            }
        }
        var seen: [String: Int] = [:]
        for key in keys {
            if let earlier = seen[key.keyID] { problems.append("epoch \(key.epoch) re-used the key \(key.keyID) of epoch \(earlier): no fresh key was made") }
            seen[key.keyID] = seen[key.keyID] ?? key.epoch
        }
        guard problems.isEmpty else { return AuditFinding("he_key_rotation", false, problems.joined(separator: "; ")) }
        let listed = keys.map { "epoch \($0.epoch) from round \($0.createdRound) (key \($0.keyID))" }.joined(separator: ", ")
        return AuditFinding("he_key_rotation", true, "\(keys.count) \(scheme) N = \(degree) key\(keys.count == 1 ? "" : "s") over \(rounds) rounds, "
                            + "\(policy), each shared by the \(manifest.dataset.clients) clients: \(listed.isEmpty ? "none needed" : listed)")
    }

    func security(_ keys: [HEKeyRecord], decryptions: [MetricRecord]) -> AuditFinding {
        var problems: [String] = [], shown: Set<String> = []
        for key in keys {
            guard let bound = SecurityStandard.maximumLogQ[key.ringDegree] else {
                problems.append("epoch \(key.epoch): ring degree N = \(key.ringDegree) is not in the HomomorphicEncryption.org table")
                continue
            }
            if key.logQ > bound {
                problems.append("epoch \(key.epoch): N = \(key.ringDegree) with log2 Q = \(key.logQ) bits exceeds the 128-bit bound of \(bound) bits")
            } else {
                shown.insert("N = \(key.ringDegree), log2 Q = \(key.logQ) ≤ \(bound)")
            }
        }
        let smudging = smudgingFinding(keys, decryptions: decryptions, problems: &problems)
        guard problems.isEmpty else { return AuditFinding("he_security", false, problems.joined(separator: "; ")) }
        return AuditFinding("he_security", true, "every key meets 128-bit security (HomomorphicEncryption.org standard, ternary secret): "
                            + (shown.isEmpty ? "no key was made" : shown.sorted().joined(separator: "; ")) + "; " + smudging)
    }

    /// Threshold decryption floods each share with uniform noise of b bits so that the decryption
    /// noise e (‖e‖∞ ≤ B), through which CKKS leaks the secret key (Li & Micciancio 2021), is hidden:
    /// the smudging lemma with a union bound over the N coefficients needs b ≥ ⌈log2 B⌉ + λ + log2 N + 1
    /// for statistical distance 2^−λ−1 (Mouchet et al. 2021). Checked per round from the recorded
    /// `smudging_bits` and `decryption_noise_log2`, with λ = 40 fixed here, not read from the job.
    ///
    /// BFV: the recorded noise is not taken on trust. The aggregate is Σ w_k·c_k over fresh
    /// encryptions under the round's K-party key, whose noise privfed bounds by W·B_fresh with
    /// W = Σ w_k (the aggregate's `weight_sum`) and B_fresh = 2·N·19·K + 19 (`RLWENoise`), plus the
    /// small rounding terms of `BFVNoise`; a recorded ⌈log2 B⌉ below ⌈log2(W·B_fresh)⌉ understates
    /// the noise (as the bound of issue 13 did, without the r_t(Q)·carry term of the old encoding)
    /// and fails, and the smudging is checked against the larger of the two.
    func smudgingFinding(_ keys: [HEKeyRecord], decryptions: [MetricRecord], problems: inout [String]) -> String {
        guard let degree = keys.first?.ringDegree else { return "no decryption to check" }
        var byRound: [Int: [String: Double]] = [:]
        for m in decryptions { byRound[m.round, default: [:]][m.name] = m.value }
        var margins: [Int] = []
        for (round, values) in byRound.sorted(by: { $0.key < $1.key }) {
            guard let bits = values["smudging_bits"].map(Int.init), var noise = values["decryption_noise_log2"].map(Int.init) else { continue }
            if let floor = Self.bfvNoiseFloorLog2(keys, round: round, weightSum: values["weight_sum"]), noise < floor {
                problems.append("round \(round): decryption noise recorded as 2^\(noise), but the BFV aggregate of Σw = "
                                + "\(Int(values["weight_sum"]!)) fresh encryptions has noise up to 2^\(floor)")
                noise = floor
            }
            let required = noise + Self.statisticalSecurity + degree.trailingZeroBitCount + 1
            if bits < required {
                problems.append("round \(round): decryption shares smudged with \(bits) bits, but noise of 2^\(noise) at N = \(degree) needs "
                                + "\(required) for \(Self.statisticalSecurity)-bit statistical security")
            } else {
                margins.append(bits - required)
            }
        }
        guard let least = margins.min() else { return "no smudging recorded (a job without decryption rounds, or recorded before privfed recorded it)" }
        return "the smudging of every decryption share in \(margins.count) rounds floods the decryption noise at "
            + "\(Self.statisticalSecurity)-bit statistical security (b ≥ ⌈log2 B⌉ + \(Self.statisticalSecurity) + log2 N + 1, "
            + "smallest margin \(least) bits)"
    }

    /// ⌈log2(W·B_fresh)⌉ for a BFV round (nil for CKKS, whose rescaling may shrink the noise, or
    /// without a recorded `weight_sum`): B_fresh for the key in force in `round` (the last made at
    /// or before it), K its parties, N its ring degree.
    static func bfvNoiseFloorLog2(_ keys: [HEKeyRecord], round: Int, weightSum: Double?) -> Int? {
        guard let w = weightSum, w >= 1,
              let key = keys.filter({ $0.createdRound <= round }).max(by: { $0.createdRound < $1.createdRound }),
              key.scheme == EncryptionSchemeName.bfv.rawValue else { return nil }
        let fresh = RLWENoise.freshPublicKey(degree: key.ringDegree, parties: key.parties)
        return Int(log2(w * fresh).rounded(.up))
    }
}
