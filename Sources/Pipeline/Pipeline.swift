// The Pipeline target; see DESIGN.md for what it owns.
