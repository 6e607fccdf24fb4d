// SecureComputation: the secret-sharing side of privfed (DESIGN.md, threat model). No dependency
// on the rest of privfed; randomness comes in as `ChaCha20Generator`s / `ScopedRandomStreams`.
//
// How a pipeline stage uses it, per round:
//
//   secure_aggregation: additive
//     let encoding = try FixedPointEncoding(fractionalBits: 24, maxSummands: clientsThisRound)
//     let scheme = try AdditiveAggregation(holders: 3, encoding: encoding)
//     let outcome = try scheme.run(updates: updates, dropped: droppedIDs, streams: roundStreams, threads: 2)
//     outcome.sum                      // [Double], Σ of the included clients' updates
//   (or per party: scheme.protect(update:client:using:) → AdditiveShareHolder.receive(_:) →
//    partialSum() → scheme.reconstruct(_:))
//
//   secure_aggregation: secagg | secagg+
//     let config = try SecAggConfiguration.secAgg(clients: n, parameters: p)            // complete graph
//     let config = try SecAggConfiguration.secAggPlus(clients: n, parameters: p, dropoutRate: 0.2)
//     let dropouts = SecAggDropouts.random(clients: n, rate: 0.2, at: .beforeMaskedInput, using: &g)
//     let outcome = try SecAggRound.run(configuration: config, updates: updates, dropouts: dropouts,
//                                       streams: roundStreams, threads: 2)
//   Clients are ids 0..<n within the round (map the round's selected clients onto them).
//   Too many dropouts throw SecureComputationError.tooFewSurvivors / .secretUnrecoverable.
//
//   secure_evaluate
//     let result = try SecureMLPEvaluation(layout: .mnist, threads: 2)
//         .evaluate(parameters: flatMLP, images: testImages, labels: testLabels, streams: evalStreams)
//     result.accuracy, result.statistics.triplesConsumed, result.statistics.bytesExchanged
//
//   bench:  SecureAggregationBenchmark.run(scheme:clients:parameters:dropoutRate:threads:)
