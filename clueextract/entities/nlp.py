"""The one spaCy pipeline every matcher shares: `spacy.blank("xx")` (multi-language
tokenizer, no model, nothing downloaded), and the test for text whose words are not
separated by spaces (Thai, Han, kana, Lao, Khmer, Myanmar), where matchers must look
for substrings because the tokenizer does not split words."""
from __future__ import annotations

import sys
from functools import lru_cache

from ..config import default_model_dir
from .statistical import find_model
from .unspaced import is_unspaced  # noqa: F401  (re-exported: the matchers import it from here)


def _import_spacy():
    """spaCy, imported without PyTorch unless something here needs it. thinc (spaCy's ML
    layer) imports torch whenever it is installed - it is, wherever the optional EasyOCR
    engine is - and that costs ~490 MB of RSS in every worker (measured: `import spacy`
    582 MB with torch, 91 MB without), while blank("xx") and the matchers never use it.
    torch is let through when it is already loaded (EasyOCR) or a lab's statistical model
    sits in the model directory (it may be a transformer)."""
    if "torch" in sys.modules or _lab_model_present():
        import spacy  # noqa: PLC0415 (spaCy ~0.5 CPU s: only when a matcher is built)
        return spacy
    sys.modules["torch"] = None  # `import torch` raises ImportError: thinc records has_torch = False
    try:
        import spacy  # noqa: PLC0415 (as above)
    finally:
        del sys.modules["torch"]  # a later `import torch` (EasyOCR) works as usual
    return spacy


def _lab_model_present() -> bool:
    try:
        return find_model(default_model_dir()) is not None
    except OSError:
        return False


spacy = _import_spacy()
from spacy.language import Language  # noqa: E402

ENGINE = f"spacy {spacy.__version__}"


# Separators signs and menus set between words without spaces ("Menu·Sunday Roasts", "Tea • Coffee"),
# which spaCy's infixes leave inside one token. A middle dot between two l's is Catalan's
# punt volat (Brussel·les, Kol·lam in the gazetteer) and stays inside the word.
EXTRA_INFIXES = (r"(?<![lL])·|·(?![lL])", r"[•∙]")


@lru_cache(maxsize=1)
def blank() -> Language:
    """The shared blank multi-language pipeline (tokenizer only), with EXTRA_INFIXES."""
    nlp = spacy.blank("xx")
    infixes = [*nlp.Defaults.infixes, *EXTRA_INFIXES]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    return nlp

