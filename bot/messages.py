"""Wording of errors that arise before any command runs (settings, project file)."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import Translator
from storage.projectfile import ProjectFileError


def project_file_problems(t: Translator, error: ProjectFileError) -> list[str]:
    """One line per problem: the file, the line, and what to write instead; a missing file is one sentence."""
    if [p.code for p in error.problems] == ["file_missing"]:
        return [t("config.file_missing", file=Path(error.path).resolve())]
    lines = [t("config.header", file=error.path, count=len(error.problems))]
    for problem in error.problems:
        message = t(f"config.{problem.code}", **problem.params)
        if problem.line is None:
            lines.append(t("config.no_line", file=error.path, message=message))
        else:
            lines.append(t("config.at_line", file=error.path, line=problem.line, path=problem.path, message=message))
    return lines
