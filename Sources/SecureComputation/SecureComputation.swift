// The SecureComputation target; see DESIGN.md for what it owns.
