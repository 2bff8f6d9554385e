"""Wording of errors that arise before any command runs (settings, project file)."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import Translator
from storage.projectfile import ProjectFileError

# the file itself cannot be read: one sentence, no header
FILE_PROBLEMS = {"file_missing", "not_a_file", "file_unreadable", "file_too_large"}


def project_file_problems(t: Translator, error: ProjectFileError) -> list[str]:
    """One line per problem: the file, the line, and what to write instead; a file that cannot be read (missing, a
    folder, too large) is one sentence."""
    if len(error.problems) == 1 and error.problems[0].code in FILE_PROBLEMS:
        problem = error.problems[0]
        params = {**problem.params, "file": Path(error.path).resolve()} if "file" in problem.params else problem.params
        return [t(f"config.{problem.code}", **params)]
    lines = [t("config.header", file=error.path, count=len(error.problems))]
    for problem in error.problems:
        message = t(f"config.{problem.code}", **problem.params)
        if problem.line is None:
            lines.append(t("config.no_line", file=error.path, message=message))
        elif not problem.path:  # the YAML itself (its syntax, its limits): no key to name
            lines.append(t("config.at_line_only", file=error.path, line=problem.line, message=message))
        else:
            lines.append(t("config.at_line", file=error.path, line=problem.line, path=problem.path, message=message))
    return lines
