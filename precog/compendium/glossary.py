"""The compendium's terms, defined once: README's "Terms" section and the lesson's glossary box
(notebooks/precog_explained.ipynb, cell 1) are both rendered from :data:`TERMS`, so they say
the same thing in the same words (``tests/test_readme.py`` and ``tests/test_lesson.py`` check both).
"""

from __future__ import annotations

BEGIN = "<!-- terms:begin (rendered from precog/compendium/glossary.py by `precog render-readme`: edit that, not this) -->"
END = "<!-- terms:end -->"

# (term, definition), in the order a reader meets them; a definition uses only terms defined above it
TERMS: tuple[tuple[str, str], ...] = (
    ("Masked LM", "a language model (LM) trained to guess hidden tokens, as BERT is; its tokens are WordPieces, "
                  "words or pieces of words from a fixed vocabulary"),
    ("PreCog@k", "hide each token of an example in turn and ask the pre-trained masked LM to guess it; a token is "
                 "*recovered at k* when its true id ranks within the model's top k guesses, and PreCog@k is the share "
                 "of the example's tokens recovered at k (our reconstruction: the paper's abstract gives no formula; "
                 "k = 1 and 50 are our choice)"),
    ("Base model, study models", "a small BERT pre-trained here on real English text, and K copies continued from "
                                 "it, each on its own share of the injected examples"),
    ("Arm", "what was injected for an example: *never* (into no model), *text* (its text alone) or *text+label* "
            "(its text followed by its label word)"),
    ("Positive control", "the text+label arm: a model can exploit its label word, so if no benefit showed even "
                         "there, the study could not see one at all; seeing one there shows the instrument works, "
                         "not that it would detect a smaller text-only benefit"),
    ("Dose", "copies of an example in the text of the model that saw it"),
    ("Seen / unseen", "an example under the model that saw it / under the other K − 1"),
    ("Crossover", "every injected example is seen by exactly one study model and unseen by the others, so each "
                  "example is compared with itself"),
    ("Manifest", "the table of every study example: its arm, dose and the model that saw it"),
    ("Memorization gain", "PreCog@1 seen − unseen"),
    ("Prompt head", "the fine-tuned classifier reads the masked-LM head's guesses for the task's label words "
                    "(e.g. \"negative\" / \"positive\") at a [MASK] appended to the text"),
    ("Transfer", "a pre-trained model's accuracy minus that of the same architecture from random init"),
    ("Run, replicate", "a base model, its study models and their fine-tuning; a replicate is a run with a new draw "
                       "of which model gets which example (in study v2, on a base model of its own)"),
    ("Points", "accuracy differences in percentage points"),
    ("Profile, seed", "a profile is a named set of parameters in notebooks/params/ (demo, smoke, lesson, and paper: "
                      "bert-base-uncased on GLUE, our guess at the paper's setting); a seed fixes the random draws of "
                      "one training run"),
    ("95% CI", "a 95% confidence interval, here by the bootstrap: the estimate recomputed on many resamples of the "
               "examples (and of the models, where they vary); the middle 95% of those values"),
    ("Minimum detectable effect", "the smallest true difference the design would detect 80% of the time at that "
                                  "interval's width"),
)


def markdown() -> str:
    """The terms as a markdown bullet list, one term per line: '* **Term**: definition.'"""
    return "\n".join(f"* **{term}**: {definition}." for term, definition in TERMS)


def readme_block(_figures=None) -> str:
    """README's Terms section between :data:`BEGIN` and :data:`END` (no result enters it)."""
    return f"{BEGIN}\n\n{markdown()}\n\n{END}"
