"""Internal control: plans, controls, control runs (spot checks), evidence (issue 11)."""
