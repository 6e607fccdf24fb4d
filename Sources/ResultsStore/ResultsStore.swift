// The ResultsStore target; see DESIGN.md for what it owns.
