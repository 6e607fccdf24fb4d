/// The smallest manifest that validates: no dataset path and no optional key, for tests of what
/// the manifest reader accepts and refuses. Nothing runs it.
///
/// Tests name its lines in the messages they expect (`m.yaml:10: federation.rounds`, a key
/// appended after it on line 14) and replace its lines whole, so keep it line for line.
public let minimalManifest = """
name: t
seed: 1
dataset:
  name: mnist
  clients: 4
  partition: { scheme: iid }
model:
  architecture: mlp
federation:
  rounds: 2
  clients_per_round: 4
  batch_size: 32
  learning_rate: 0.1
"""
