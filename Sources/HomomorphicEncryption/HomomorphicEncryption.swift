// The HomomorphicEncryption target; see DESIGN.md for what it owns.
