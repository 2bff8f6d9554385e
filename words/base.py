"""What every wording helper shares: the translator's type, Slack's escaping of user text, and folding a typed word."""

from __future__ import annotations

import html
import unicodedata
from typing import Callable

Translate = Callable[..., str]


def escape(text: str) -> str:
    """Escape user text for Slack so `<!channel>` or a forged `<https://…|link>` is shown, not acted on.

    Slack's rule (&, <, > only) is exactly html.escape without quotes.
    """
    return html.escape(text, quote=False)


def fold(text: str) -> str:
    """A word as comparable: full-width folded (ＮＦＫＣ), invisible characters (zero-width space…) dropped, lower case."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").strip().lower()
