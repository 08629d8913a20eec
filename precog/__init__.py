"""PreCog: does a pre-trained masked LM classify better the examples it memorized?

The package behind the compendium's notebooks. Start with :func:`precog.score`.
"""

from precog.scoring import explain, score, score_units

__all__ = ["explain", "score", "score_units"]
__version__ = "0.1.0"
