"""Text normalisation shared by every standard: full-width to half-width, no spaces."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def to_halfwidth(value: str) -> str:
    """NFKC folds full-width letters, digits and punctuation (ＡＢＣ１２３－) to ASCII."""
    return unicodedata.normalize("NFKC", value)


def compact(value: str) -> str:
    """Half-width, upper case, all white space (including the ideographic space) removed."""
    return _SPACES.sub("", to_halfwidth(value or "")).upper()
