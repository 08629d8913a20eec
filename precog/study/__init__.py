"""Layer 3, the controlled study of the demo: its design (which example goes to which
arm, dose and model: :mod:`.design`), the pre-training corpus (:mod:`.corpus`), tokenizer
(:mod:`.tokenizer`) and embeddings (:mod:`.embeddings`), and the models themselves
(:mod:`.pretrain`). Imports the layers below (data, engine) and never stats or compendium."""
