// The DifferentialPrivacy target; see DESIGN.md for what it owns.
