"""Layer 4, the compendium: run profiles (:mod:`.profiles`), the cached pipeline steps
(:mod:`.pipeline`) and the frames the notebooks analyse (:mod:`.frames`), figures
(:mod:`.plotting`), readings (:mod:`.present`), README results (:mod:`.report`), notebook
setup (:mod:`.notebook`) and ``precog reproduce`` (:mod:`.reproduce`). The notebooks use
this layer, :mod:`precog.stats` and the top-level API of :mod:`precog`."""
