"""Files that ship inside the package: where to find them, installed or in a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MANIFEST = "manifest.yml"
# In a checkout the manifest lives at the repository root; `bot/manifest.yml` is a symlink to it,
# and the wheel (pyproject.toml, package-data) carries the file's content under `bot/`.
REPOSITORY_MANIFEST = Path(__file__).resolve().parent.parent / MANIFEST


def manifest_path() -> Path:
    """The Slack app manifest: the copy installed with the `bot` package, else the repository root's.

    Works from any working directory after `pip install .` (the installed copy), in an editable
    install or a plain checkout (the symlink, or the root file when the symlink is missing).
    The returned path may not exist only in a broken install; callers report that as a missing file.
    """
    packaged = resources.files("bot").joinpath(MANIFEST)
    # A checkout made without symlink support (git's core.symlinks=false) has a one-line file
    # holding the link's target instead of the manifest: that one is not the manifest.
    if packaged.is_file() and packaged.read_text(encoding="utf-8").strip() != f"../{MANIFEST}":
        return Path(str(packaged))
    return REPOSITORY_MANIFEST
