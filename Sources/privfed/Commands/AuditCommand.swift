import ArgumentParser
import Audit
import Foundation
import ResultsStore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check that a job's records and privacy promises hold, without trusting who ran it.",
        discussion: """
        Each finding is pass or fail, with its evidence:
          manifest_hash          the recorded manifest text hashes to its recorded
                                 SHA-256
          manifest_valid         it validates under this privfed (a different
                                 recorded code version is named)
          dataset_checksums      the MNIST files the job recorded loading match
                                 their published SHA-256 (compiled in, not read
                                 from SHA256SUMS), and so do the files there today
          migrations             applied migrations match the compiled-in ones
          ledger_chain           the privacy ledger's hash chain is intact (an
                                 edited, deleted or inserted row is named)
          ledger_signature       the ledger head carries the operator's Ed25519
                                 signature (RFC 8032) and every signed head is
                                 still a prefix of the chain (a rewritten suffix
                                 is named: "ledger rewritten after row N")
          ledger_complete        every round and party that released an update has
                                 its ledger row (without DP: the ledger is empty)
          ledger_plan            with DP: every row's q, σ, steps, C and δ are the
                                 plan's, derived from the recorded manifest and
                                 partition (any mode; a forged σ is named)
          epsilon_recomputed     with DP: ε recomputed from the ledger's own q, σ,
                                 steps and δ equals the recorded ε (RDP and PLD)
          epsilon_within_budget  with DP: no release took a party past its budget
                                 under the enforcing accountant
          empirical_privacy      with `audit: { canaries: m }`: the revealed mask
                                 opens the commitment made before training, ε_LB
                                 recomputes from the recorded canary scores, and
                                 ε_LB does not exceed the accountant's ε
          he_key_rotation        with HE: one fresh key per epoch of the manifest's
                                 rotate_keys_every, made at the epoch's first
                                 round, of its scheme and N, shared by all clients
          he_security            with HE: every recorded key's log2 Q is within
                                 the 128-bit bound for its N (HomomorphicEncryption
                                 .org standard, ternary secret), and every
                                 decryption share's smudging floods the recorded
                                 decryption noise at 40-bit statistical security
          mpc_security           with secure aggregation, per round as it ran:
                                 secagg threshold t an honest majority of each
                                 client's k + 1 share holders, at least t
                                 survivors; additive with all M share-holders;
                                 with client-level DP, the m clients the noise
                                 was split for all reached the sum
          secret_commitments     randomness: reproducible: one SHA-256 commitment
                                 per party and no secret in the database; with
                                 --reproduce the secrets file matches them all
          reproduction           with --reproduce: a re-execution from the recorded
                                 manifest and the escrowed secrets file into a
                                 scratch database gives every round's model hash
                                 and every metric bit for bit (not applicable to
                                 randomness: secure)

        The operator key is trusted from outside the database: --operator-public-key HEX, or --operator-key FILE (the signing key, of which only the public half is used), else $PRIVFED_OPERATOR_KEY or privfed-operator.key beside the database. A ledger signed with another key fails ledger_signature.

        --reproduce needs the job's secrets file: --secrets FILE, else the path recorded when the job was submitted. Without it the audit refuses, naming the file: the database and manifest alone cannot replay a job.

        The exit status is 0 only when every finding passes. Each audit is recorded in the audits table.

        Examples:
          privfed audit 3
          privfed audit 3 --reproduce
          privfed audit 3 --reproduce --secrets job-3-1a2b3c4d.secrets.json
          privfed audit 3 --operator-key /etc/privfed/operator.key
          privfed audit --all --json > audits.json
        """
    )

    @Argument(help: "The job id.") var job: Int64?
    @Flag(help: "Audit every job that has ended (not queued or running), oldest first.") var all = false
    @Flag(help: "Re-execute the job (reproducible mode) and compare models and metrics bit for bit.") var reproduce = false
    @Option(help: ArgumentHelp("The job's secrets file, for --reproduce (default: the path recorded at submission).", valueName: "file"))
    var secrets: String?
    @Option(help: ArgumentHelp("The operator's signing key file, whose public key the ledger's signatures must verify under.",
                               valueName: "file"))
    var operatorKey: String?
    @Option(help: ArgumentHelp("The operator's Ed25519 public key (64 hex digits), instead of --operator-key.", valueName: "hex"))
    var operatorPublicKey: String?
    @Flag(help: "Print JSON for scripts (with --all: an array, one audit per job).") var json = false
    @OptionGroup var database: DatabaseOption

    func validate() throws {
        if all && job != nil { throw ValidationError("give a job id or --all, not both") }
        if !all && job == nil { throw ValidationError("give the job id to audit (see privfed jobs), or --all") }
        if secrets != nil && !reproduce { throw ValidationError("--secrets is for --reproduce") }
        if operatorKey != nil && operatorPublicKey != nil { throw ValidationError("give --operator-key or --operator-public-key, not both") }
        if secrets != nil && all { throw ValidationError("--secrets names one job's file; with --all each job's recorded file is used") }
    }

    func run() throws {
        // The re-execution is the long part (minutes for a full job): a progress bar on a terminal.
        let progress = ProgressBar(enabled: reproduce && !json && isatty(STDERR_FILENO) == 1)
        var names: [Int64: String] = [:]
        let reports = try reportingErrors { () -> [AuditReport] in
            // A database this process may not write is audited all the same, read-only; the
            // audit is then not recorded (said on standard error).
            let store = database.isWritable ? try database.open(create: false) : try database.openForReading()
            if store.isReadOnly {
                FileHandle.standardError.write(Data("privfed: note: \(database.db) is read-only here; the audit is not recorded in its audits table\n".utf8))
            }
            var auditor = JobAuditor(database: store)
            if let operatorKey { auditor.operatorPublicKey = try OperatorKey.read(at: operatorKey).publicKeyHex }
            if let operatorPublicKey { auditor.operatorPublicKey = try OperatorKey.publicKey(hex: operatorPublicKey) }
            guard all else { return [try auditor.audit(jobId: job!, reproduce: reproduce, secretsFile: secrets, progress: progress)] }
            let ended = try store.jobs(limit: Int.max).filter { $0.status.isFinished }
            for record in ended { if let id = record.id { names[id] = record.name } }
            return try names.keys.sorted().map { try auditor.audit(jobId: $0, reproduce: reproduce, progress: progress) }
        }
        if json {
            if all { try printJSON(reports) } else { try printJSON(reports[0]) }
        } else if all {
            for report in reports {
                let failed = report.findings.filter { !$0.passed }.map(\.check)
                print("job \(report.jobId) \(TerminalText.escaped(names[report.jobId] ?? "")): " + (failed.isEmpty ? "passed (\(report.findings.count) checks)" : "FAILED: \(failed.joined(separator: ", "))"))
            }
            let failures = reports.filter { !$0.passed }.count
            print("\(reports.count) jobs audited: " + (failures == 0 ? "all passed" : "\(failures) FAILED (privfed audit JOB shows the evidence)"))
        } else {
            let report = reports[0]
            let width = report.findings.map(\.check.count).max() ?? 0
            for f in report.findings {
                print("\(f.passed ? "pass" : "FAIL")  \(f.check.padding(toLength: width, withPad: " ", startingAt: 0))  \(f.evidence)")
            }
            print(report.passed ? "audit of job \(report.jobId): passed" : "audit of job \(report.jobId): FAILED")
        }
        if !reports.allSatisfy(\.passed) { throw ExitCode(1) }
    }
}
