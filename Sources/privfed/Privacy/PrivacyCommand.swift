import ArgumentParser
import DifferentialPrivacy
import Foundation

/// `privfed privacy`: what a noise level buys, and what noise a budget needs.
struct PrivacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Compute the (ε, δ) of DP-SGD / DP-FedAvg, or the noise a privacy budget needs.",
        discussion: """
        Both subcommands describe the Poisson-subsampled Gaussian mechanism that DP-SGD \
        (unit of privacy: one example) and DP-FedAvg (unit of privacy: one client) run at every step: \
        each record is included independently with probability q (--sampling-rate, batch size / \
        dataset size, or clients per round / clients), contributions are clipped to L2 norm C, and \
        Gaussian noise of standard deviation σ·C is added to their sum (σ is --noise-multiplier). \
        Neighbouring datasets differ by adding or removing one record.

        rdp (default): Rényi DP (Mironov, Talwar & Zhang 2019) over orders 1.1 … 1024, \
        converted to (ε, δ) with Balle et al. 2020. Fast and standard (Opacus's default), \
        slightly pessimistic.

        prv (alias pld): the tight numerical accountant. Each step's privacy loss distribution \
        is discretised so that the result stays an upper bound and composed exactly by FFT; a \
        rigorous lower bound is reported too, so the true ε lies in a stated interval. Never \
        above rdp.

        Report ε together with δ, the unit of privacy and the accountant (NIST SP 800-226).
        """,
        subcommands: [Epsilon.self, Calibrate.self]
    )
}

extension PrivacyCommand {
    /// Accountant names accepted on the command line.
    enum AccountantName: String, ExpressibleByArgument, CaseIterable {
        case rdp, prv, pld

        var kind: AccountantKind { self == .rdp ? .rdp : .pld }
    }

    /// Options shared by both subcommands.
    struct MechanismOptions: ParsableArguments {
        @Option(name: .customLong("sampling-rate"),
                help: "q in (0, 1]: the probability that a record joins a step's batch.")
        var samplingRate: Double

        @Option(help: "T ≥ 1: the number of steps (noisy releases) composed.")
        var steps: Int

        @Option(help: "δ in (0, 1): the probability with which ε may fail; well below 1/dataset size.")
        var delta: Double

        @Option(help: "rdp, or prv (tight; pld is accepted as an alias).")
        var accountant: AccountantName = .rdp

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func validate() throws {
            guard samplingRate > 0, samplingRate <= 1 else {
                throw ValidationError("--sampling-rate must be in (0, 1], got \(samplingRate)")
            }
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            guard delta > 0, delta < 1 else { throw ValidationError("--delta must be in (0, 1), got \(delta)") }
        }
    }

    struct Epsilon: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the ε spent by T steps at sampling rate q with noise multiplier σ.",
            discussion: """
            Example (MNIST, batch 256 of 60,000 examples, 60 epochs ≈ 14,062 steps):
              privfed privacy epsilon --sampling-rate 0.0042667 --noise-multiplier 1.1 \\
                --steps 14062 --delta 1e-5 --accountant prv

            With rdp the order α at which the conversion was tightest is printed too; with prv the error \
            bound (upper minus lower estimate).
            """
        )

        @OptionGroup var mechanism: MechanismOptions

        @Option(name: .customLong("noise-multiplier"), help: "σ > 0: noise standard deviation divided by the clipping norm C.")
        var noiseMultiplier: Double

        func validate() throws {
            guard noiseMultiplier > 0, noiseMultiplier.isFinite else {
                throw ValidationError("--noise-multiplier must be a positive number, got \(noiseMultiplier)")
            }
        }

        func run() throws {
            let history = try PrivacySpend(entries: [SubsampledGaussianSteps(
                samplingRate: mechanism.samplingRate, noiseMultiplier: noiseMultiplier, steps: mechanism.steps)])
            let estimate = try history.epsilon(delta: mechanism.delta, accountant: mechanism.accountant.kind)
            if mechanism.json {
                var object: [String: Any] = [
                    "epsilon": estimate.epsilon, "delta": estimate.delta,
                    "sampling_rate": mechanism.samplingRate, "noise_multiplier": noiseMultiplier,
                    "steps": mechanism.steps,
                    "accountant": estimate.accountant.recordedName,
                    "accountant_version": estimate.accountant.recordedVersion,
                ]
                if let order = estimate.bestOrder { object["best_order"] = order }
                if let lower = estimate.lowerBound { object["epsilon_lower_bound"] = lower }
                if let error = estimate.errorBound { object["error_bound"] = error }
                try printJSON(object)
            } else {
                var line = "ε = \(format(estimate.epsilon)) at δ = \(mechanism.delta)"
                if let order = estimate.bestOrder {
                    line += " (RDP, best order α = \(format(order)))"
                }
                if let lower = estimate.lowerBound, let error = estimate.errorBound {
                    line += " (PLD; true ε in [\(format(lower)), \(format(estimate.epsilon))], error bound \(format(error)))"
                }
                print(line)
            }
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the smallest noise multiplier σ for which T steps stay within (ε, δ).",
            discussion: """
            Bisection on σ (relative tolerance 1e-3); the σ printed meets the target, 0.1% less may not. \
            With prv the answer is smaller than with rdp, for the same guarantee.

            Example:
              privfed privacy calibrate --epsilon 3 --delta 1e-5 \\
                --sampling-rate 0.0042667 --steps 14062
            """
        )

        @OptionGroup var mechanism: MechanismOptions

        @Option(help: "ε > 0: the privacy budget to spend over all T steps.")
        var epsilon: Double

        func validate() throws {
            guard epsilon > 0, epsilon.isFinite else {
                throw ValidationError("--epsilon must be a positive number, got \(epsilon)")
            }
        }

        func run() throws {
            let kind = mechanism.accountant.kind
            let sigma = try NoiseCalibration.noiseMultiplier(
                targetEpsilon: epsilon, delta: mechanism.delta, samplingRate: mechanism.samplingRate,
                steps: mechanism.steps, accountant: kind)
            if mechanism.json {
                try printJSON([
                    "noise_multiplier": sigma, "epsilon": epsilon, "delta": mechanism.delta,
                    "sampling_rate": mechanism.samplingRate, "steps": mechanism.steps,
                    "accountant": kind.recordedName, "accountant_version": kind.recordedVersion,
                ])
            } else {
                print("σ = \(format(sigma)) (\(kind.recordedName); ε = \(epsilon), δ = \(mechanism.delta), q = \(mechanism.samplingRate), T = \(mechanism.steps))")
            }
        }
    }
}

private func format(_ value: Double) -> String {
    value.isFinite ? String(format: "%.6g", value) : "∞"
}

private func printJSON(_ object: [String: Any]) throws {
    var clean = object
    for (key, value) in object {
        if let d = value as? Double, !d.isFinite { clean[key] = NSNull() }
    }
    let data = try JSONSerialization.data(withJSONObject: clean, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
