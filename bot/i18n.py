"""Message catalogs (ja default, en): every user-facing sentence comes from here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("ja", "en")


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The flattened catalog of one language (`help.issue` -> sentence)."""
    return _flatten(yaml.safe_load((LOCALES / f"{lang}.yml").read_text(encoding="utf-8")))


class Translator:
    """Looks sentences up in one language's catalog and fills in their parameters."""

    def __init__(self, lang: str = "ja"):
        self.lang = lang if lang in LANGUAGES else "ja"
        self._messages = catalog(self.lang)

    def __call__(self, key: str, /, **params: Any) -> str:
        """The sentence for `key` with `params` filled in; a missing key raises KeyError. `key` is positional only, so
        a parameter may be called `key` too (a sentence naming a renkei.yml key)."""
        return self._messages[key].format(**params)
