// The Learning target; see DESIGN.md for what it owns.
