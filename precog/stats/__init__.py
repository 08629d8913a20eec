"""Layer 3, the statistics: generic per-example analysis with intervals
(:mod:`.analysis`), the study's effects with two-level intervals (:mod:`.effects`) and the
text-only baselines (:mod:`.baselines`). Pure functions of data frames; imports the layers
below and never study or compendium."""
