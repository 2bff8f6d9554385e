"""manifest.yml travels with the package, so `renkei check` finds it from any folder after `pip install .`."""

from __future__ import annotations

import fnmatch
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata, resources
from pathlib import Path

import pytest

from bot import resources as bot_resources
from bot.resources import REPOSITORY_MANIFEST, manifest_path
from tests.conftest import ROOT

ROOT_MANIFEST = ROOT / "manifest.yml"


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_package_data_declares_the_manifest():
    setuptools = pyproject()["tool"]["setuptools"]
    assert any(fnmatch.fnmatch("bot", pattern) for pattern in setuptools["packages"]["find"]["include"])
    assert any(fnmatch.fnmatch("manifest.yml", pattern) for pattern in setuptools["package-data"]["bot"])


def test_the_bot_package_holds_the_root_manifest():
    packaged = ROOT / "bot" / "manifest.yml"
    if packaged.is_symlink():
        assert packaged.readlink() == Path("../manifest.yml")
    assert packaged.read_bytes() == ROOT_MANIFEST.read_bytes()


def test_manifest_path_is_the_package_copy_and_equals_the_root_manifest():
    found = manifest_path()
    assert found == Path(str(resources.files("bot").joinpath("manifest.yml")))
    assert found.is_file()
    assert found.read_bytes() == ROOT_MANIFEST.read_bytes()
    assert REPOSITORY_MANIFEST == ROOT_MANIFEST


def test_manifest_path_falls_back_to_the_repository_root(tmp_path, monkeypatch):
    monkeypatch.setattr(bot_resources.resources, "files", lambda package: tmp_path)
    assert manifest_path() == ROOT_MANIFEST  # nothing packaged
    (tmp_path / "manifest.yml").write_text("../manifest.yml\n", encoding="utf-8")
    assert manifest_path() == ROOT_MANIFEST  # a symlink checked out as a plain file is not the manifest


def _setuptools_builds_this_project() -> bool:
    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except metadata.PackageNotFoundError:
        return False
    return major >= 77  # pyproject.toml's build-system requirement


@pytest.mark.skipif(not _setuptools_builds_this_project(), reason="needs setuptools>=77 (the test extra installs it)")
def test_the_wheel_carries_the_manifest_content(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "manifest.yml"):
        shutil.copy2(ROOT / name, source / name)
    for package in ("bot", "commands", "reminders", "reports", "storage"):
        shutil.copytree(ROOT / package, source / package, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path / "dist"
    out.mkdir()
    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))",
            str(out),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = out / built.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("bot/manifest.yml") == ROOT_MANIFEST.read_bytes()
        assert not stat.S_ISLNK(archive.getinfo("bot/manifest.yml").external_attr >> 16)  # the content, not a link
        names = archive.namelist()
    for package in ("bot", "commands", "reminders", "reports", "storage"):  # every layer is installed
        assert f"{package}/__init__.py" in names
