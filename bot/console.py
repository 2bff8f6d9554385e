"""`renkei console`: type slash commands as a chosen user and read the replies, without Slack."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, TextIO

from bot.bootstrap import bootstrap
from bot.dispatch import run_command
from bot.messages import project_file_problems
from bot.settings import Settings
from storage.projectfile import ProjectFileError, load_project_file

SAMPLE_PROJECT = Path(__file__).parent / "sample" / "renkei.yml"


def run_console(settings: Settings, *, user: str, stdin: TextIO, out: Callable[[str], None]) -> int:
    """Read commands line by line until EOF or `:quit`; returns how many commands were answered."""
    config_path = Path(settings.renkei_config)
    if not config_path.exists():
        config_path = SAMPLE_PROJECT
    try:
        project_file = load_project_file(config_path)
    except ProjectFileError as exc:
        for line in project_file_problems(bootstrap_translator(settings), exc):
            out(line)
        return 0
    services = bootstrap(settings, project_file=project_file)
    t = services.translator()
    if config_path == SAMPLE_PROJECT:
        out(t("console.sample", file=config_path))
    out(t("console.banner"))
    answered = 0
    for raw in stdin:
        line = raw.strip()
        if not line:
            continue
        if line in {":quit", ":q", "exit"}:
            break
        if line.startswith(":user "):
            user = line.split(maxsplit=1)[1].strip()
            out(t("console.user_set", user=user))
            continue
        if not line.startswith("/"):
            out(t("console.not_a_command"))
            continue
        command, _, text = line.partition(" ")
        with services.session() as session:
            reply = run_command(services.context(session, user_id=user, channel_id=None), command, text)
        out(t("console.no_modal") if reply.modal is not None else reply.text)
        later = services.follow_up(reply, command)
        if later is not None:
            out(later.text)
        answered += 1
    return answered


def bootstrap_translator(settings: Settings):
    """A translator before the project file is known: RENKEI_LANG or Japanese."""
    from bot.i18n import Translator

    return Translator(settings.renkei_lang or "ja")
