"""Layer 1, the data: pinned raw sources (:mod:`.sources`), their readers and sentence
splitting (:mod:`.corpus`), word and n-gram helpers (:mod:`.text`), and the registered
classification tasks (:mod:`.tasks`). Imports only the foundation modules of ``precog``."""
