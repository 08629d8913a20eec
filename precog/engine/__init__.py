"""Layer 2, the engine, reusable without the rest of the compendium: loading masked LMs
(:mod:`.models`), PreCog scoring (:mod:`.encoding` builds the masked copies,
:mod:`.scoring` runs and aggregates them, :mod:`.jobs` makes long tables resumable) and
fine-tuning with a per-example record (:mod:`.finetune`). Imports the foundations and
:mod:`precog.data`."""
