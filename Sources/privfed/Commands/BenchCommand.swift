import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed: training throughput, DP noise, homomorphic encryption, secure aggregation, the HTTP API.",
        discussion: """
        Only release builds give meaningful figures:
          swift run -c release privfed bench …
        """,
        subcommands: [BenchTrainCommand.self, BenchNoiseCommand.self, BenchHECommand.self, BenchAggregateCommand.self,
                      BenchServeCommand.self, BenchFederationCommand.self]
    )
}
