"""`renkei console`: a municipality's day in the terminal, without Slack.

The console runs the same code as Slack mode — `bot.interactions` for commands, buttons and forms,
`reminders.firing.fire` for scheduled work, the real outbox gateway — against `LocalSlack`, and prints what
each department would see, where: `→ #moving-zeimu`, `→ DM 佐藤 花子`, or a reply only the typing
person sees. Buttons are numbered and pressed with `:press N`; forms are asked field by field;
`:time` moves the clock and fires, once, every job that falls due on the way.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO
from zoneinfo import ZoneInfo

from bot import interactions
from bot.bootstrap import Services, bootstrap
from bot.clock import Clock
from bot.i18n import Translator
from bot.localslack import LocalSlack, Seen
from bot.messages import project_file_problems
from bot.render import Button, canvas_lines, message_lines
from bot.settings import Settings
from commands.base import when_text
from commands.people import Names, known_names
from storage.projectfile import ProjectFileError, load_project_file, parse_duration
from words.dates import AmbiguousDate, ambiguous_text, read_date, read_moment

SAMPLE_PROJECT = Path(__file__).parent / "sample" / "renkei.yml"
INDENT = "    "
ACTIONS = {":press", ":p", ":user", ":who", ":time", ":help", ":quit", ":q"}  # what a form answer may not start with
CHOICES = {"static_select", "radio_buttons"}  # fields answered by choosing one option (selected_option)
MAX_STEP = dt.timedelta(days=31)  # one move of the clock fires at most a month of jobs


NUMBERED = re.compile(r"#(\d+)\s")  # an option that names a thing by its number: `#3 転出日を和暦で表示する`


def choice_keys(options: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """What a person types to pick each option: the thing's own number for `#N …` options (要件 #3 is 3, never its
    place in the list), else its place in the list, counted after the numbered ones' numbers so none is taken twice."""
    numbered = {o["text"]["text"]: m.group(1) for o in options if (m := NUMBERED.match(o["text"]["text"]))}
    taken, keys, n = set(numbered.values()), [], 0
    for option in options:
        key = numbered.get(option["text"]["text"])
        if key is None:
            n += 1
            while str(n) in taken:
                n += 1
            key = str(n)
        keys.append((key, option))
    return keys


@dataclass(frozen=True)
class Placed:
    """A numbered button and the message it sits under (`message`: its channel and ts, when it has them)."""

    channel: str | None
    button: Button
    message: tuple[str, str] | None = None


def split_first(line: str) -> tuple[str, str]:
    """A typed line's first word and the rest: any space ends the word, a full-width one (U+3000, what a Japanese
    keyboard types) as well as an ASCII one, so `/issue　転入届` is `/issue` and `転入届`."""
    parts = line.strip().split(maxsplit=1)
    return (parts[0], parts[1] if len(parts) > 1 else "") if parts else ("", "")


def local_services(settings: Settings, project_file) -> tuple[Services, LocalSlack]:
    """Services whose gateway talks to an in-memory workspace, with the project channels made in it.

    Every call still goes through the outbox and is recorded as sent, so the digest and reports stay true.
    """
    from commands.channels import sync_channels

    slack = LocalSlack(project_file.people)
    services = bootstrap(settings, project_file=project_file, client=slack)  # type: ignore[arg-type]  # a duck-typed WebClient
    with services.session() as session:
        sync_channels(session, services.gateway, services.translator())
    return services, slack


def normal(text: str) -> str:
    """For matching what people type: NFKC, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


class Console:
    """One terminal session: who is typing, the numbered buttons, the clock."""

    def __init__(
        self,
        services: Services,
        slack: LocalSlack,
        *,
        user: str,
        out: Callable[[str], None],
        read: Callable[[str], str | None],
        interactive: bool = False,
    ):
        self.services = services
        self.slack = slack
        self.user = user
        self.out = out
        self.read = read
        self.interactive = interactive
        self.t = services.translator()
        self.buttons: dict[int, Placed] = {}
        # what each message (channel, ts) shows now: an update that shows the same again is no update (a pressed card is
        # replaced through the button's respond, then chat.update carries the same card: Slack shows one change)
        self.shown: dict[tuple[str, str], tuple[tuple[str, ...], tuple[Button, ...]]] = {}
        self.forms: list[dict[str, Any]] = []
        self.clock = Clock(services)
        self.zone = ZoneInfo(services.project_file.timezone)
        slack.listeners.append(self.seen)

    # --- showing -----------------------------------------------------------------

    def person(self, user_id: str) -> str:
        """A person as the console shows them: renkei.yml's name, else Slack's (cached), else 名前未登録（U…）;
        a deleted user marked. Never a bare id."""
        return self.names()(user_id)

    def names(self) -> Names:
        """Names as they are now (renkei.yml and the users.info cache), for one message."""
        with self.services.session() as session:
            return Names(self.t, known_names(session, self.services.project_file.people, self.t))

    def place(self, channel: str) -> str:
        """`#moving-zeimu`, or `DM 佐藤 花子` for a direct message."""
        if channel in self.slack.channels:
            return f"#{self.slack.channels[channel]}"
        return self.t("console.dm", name=self.person(channel))

    def show(
        self,
        head: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        channel: str | None,
        *,
        message: tuple[str, str] | None = None,
        update: bool = False,
        lines: list[str] | None = None,
    ) -> None:
        """Print a message under `head`, its buttons numbered. `message` (channel, ts) names the message shown; an
        `update` of it that shows nothing new is not printed again (one update, one ↻ line)."""
        buttons: list[Button] = []
        if lines is None:
            lines, buttons = message_lines(text, blocks, person=self.names(), channel=lambda c: self.slack.channels.get(c, c))
        if message is not None:
            now = (tuple(lines), tuple(buttons))
            if update and self.shown.get(message) == now:
                return
            self.shown[message] = now
        self.out(head)
        for line in lines:
            self.out(INDENT + line)
        if buttons:
            numbered = []
            for button in buttons:
                number = len(self.buttons) + 1
                self.buttons[number] = Placed(channel, button, message)
                numbered.append(f"[{number}] {button.label}")
            self.out(INDENT + "  ".join(numbered))

    def seen(self, seen: Seen) -> None:
        """What LocalSlack was asked to show: a post, an update, a file, a channel's canvas; forms wait for `fill`."""
        place = self.place(seen.channel)
        message = (seen.channel, seen.ts)
        if seen.kind == "form":
            self.forms.append(seen.view or {})
        elif seen.kind == "file":
            self.show(self.t("console.to", place=place), seen.text, None, None)
            self.out(INDENT + self.t("console.file", file=seen.file))
        elif seen.kind in ("canvas", "canvas_update"):  # markdown, shown as Slack lays it out: no markup left
            key = "console.canvas" if seen.kind == "canvas" else "console.canvas_updated"
            lines = canvas_lines(seen.text)
            self.show(self.t(key, place=place), "", None, None, message=message, update=seen.kind != "canvas", lines=lines)
        else:
            key = "console.to" if seen.kind == "post" else "console.updated"
            channel = seen.channel if seen.channel in self.slack.channels else None
            self.show(self.t(key, place=place), seen.text, seen.blocks, channel, message=message, update=seen.kind == "update")

    def reply(self, channel: str | None, message: tuple[str, str] | None = None) -> Callable[..., None]:
        """Bolt's ack/respond for the console: a reply only the typing person sees, or the pressed card (`message`)
        shown anew."""

        def respond(text: str = "", blocks: list[dict[str, Any]] | None = None, replace_original: bool = False, **_: Any) -> None:
            if not text and not blocks:
                return
            if replace_original and channel:
                self.show(
                    self.t("console.updated", place=self.place(channel)), text, blocks, channel, message=message, update=True
                )
            else:
                self.show(self.t("console.only_you"), text, blocks, channel)

        return respond

    # --- acting ------------------------------------------------------------------

    def command(self, line: str) -> None:
        command, text = split_first(line)  # `/issue　転入届`: a full-width space ends the command's name too
        text = self.mentions(text)
        interactions.slash(
            self.services,
            user_id=self.user,
            channel_id=None,
            command=command,
            text=text.strip(),
            trigger_id=f"console:{uuid.uuid4().hex}",
            ack=self.reply(None),
            respond=self.reply(None),
        )
        self.fill_forms()

    def press(self, arg: str) -> None:
        number = int(arg) if arg.isdigit() else 0
        placed = self.buttons.get(number)
        if placed is None:
            self.out(self.t("console.press_unknown", number=arg or "?"))
            return
        interactions.button(
            self.services,
            user_id=self.user,
            channel_id=placed.channel,
            action_id=placed.button.action_id,
            value=placed.button.value,
            trigger_id=f"console:{uuid.uuid4().hex}",
            respond=self.reply(placed.channel, placed.message),
        )
        self.fill_forms()

    def fill_forms(self) -> None:
        while self.forms:
            self.fill(self.forms.pop(0))

    def fill(self, view: dict[str, Any]) -> None:
        """Ask a form's fields one by one, submit it as Slack would, ask again what the form refused."""
        inputs = [b for b in view.get("blocks", []) if b.get("type") == "input"]
        self.out(self.t("console.form_title", title=(view.get("title") or {}).get("text", "")))
        state: dict[str, dict[str, Any]] = {}
        ask = inputs
        errors: dict[str, str] = {}
        for attempt in range(5):
            for block in ask:
                if errors.get(block["block_id"]):
                    self.out(self.t("console.form_error", error=errors[block["block_id"]]))
                value = self.field(block)
                if value is None:
                    self.out(self.t("console.form_cancelled"))
                    return
                state[block["block_id"]] = {"value": value}
            submitted = {**view, "id": f"VCONSOLE{id(view)}{attempt}", "state": {"values": state}}
            result: dict[str, Any] = {}
            interactions.form(self.services, user_id=self.user, view=submitted, ack=lambda **kw: result.update(kw))
            errors = result.get("errors") or {}
            if not errors:
                return
            ask = [b for b in inputs if b["block_id"] in errors]
        self.out(self.t("console.form_cancelled"))

    def field(self, block: dict[str, Any]) -> dict[str, Any] | None:
        """One input of a form as Slack's state holds it; None when the person cancels. What the form shows already
        (an earlier answer being edited, a choice made for you) is kept when the answer is left blank, as in Slack."""
        element = block.get("element", {})
        kind = element.get("type")
        label = (block.get("label") or {}).get("text", "")
        optional = block.get("optional", False)
        options = element.get("options") or []
        choosing = kind in CHOICES
        initial = element.get("initial_option") if choosing else element.get("initial_value") or None
        hint = ""
        if choosing:
            listed = "  ".join(f"{key}) {o['text']['text']}" for key, o in choice_keys(options))
            hint = self.t("console.form_choose", choices=listed)
            if initial:
                hint += self.t("console.form_default", value=initial["text"]["text"])
        elif kind == "datepicker":
            hint = self.t("console.form_date_hint")
        elif initial:
            shown = " ".join(str(initial).split())
            hint = self.t("console.form_keep", value=shown if len(shown) <= 40 else shown[:39] + "…")
        while True:
            answer = self.ask(f"{label}{self.t('console.form_optional') if optional else ''}{hint}: ")
            if answer is None or answer.strip() == ":cancel":
                return None
            first = split_first(answer)[0]
            if first in ACTIONS or re.fullmatch(r"/[a-z][a-z_-]*", first):  # a console action or a slash command
                self.out(self.t("console.form_busy"))
                continue
            answer = answer.strip()
            if not answer:
                if initial:
                    return {"type": kind, "selected_option": initial} if choosing else {"type": kind, "value": initial}
                if optional:
                    return (
                        {"type": kind, "value": None}
                        if kind == "plain_text_input"
                        else {"type": kind, "selected_date": None}
                        if kind == "datepicker"
                        else {"type": kind, "selected_option": None}
                    )
                self.out(self.t("console.form_required"))
                continue
            if choosing:
                typed = normal(answer).lstrip("#")
                chosen = next((o for key, o in choice_keys(options) if typed in (key, normal(o["text"]["text"]))), None)
                if chosen is None:
                    self.out(self.t("console.form_bad_choice"))
                    continue
                return {"type": kind, "selected_option": chosen}
            if kind == "datepicker":  # Slack's date picker gives a day; here it is typed as people write it
                try:
                    day = read_date(answer, self.now().astimezone(self.zone).date())
                except AmbiguousDate as problem:
                    self.out(ambiguous_text(self.t, problem))
                    continue
                if day is None:
                    self.out(self.t("console.form_bad_date", value=answer))
                    continue
                return {"type": kind, "selected_date": day.isoformat()}
            return {"type": kind, "value": answer}

    def ask(self, question: str) -> str | None:
        """A form question: shown as the prompt at a terminal, as a line of its own when input is piped."""
        if not self.interactive:
            self.out(question.rstrip())
        return self.read(question)

    def find(self, who: str) -> list[str]:
        """The people `who` names: an id or a whole name, else a part of one (`佐藤` → 佐藤 花子)."""
        people = self.people()
        wanted = normal(who).replace(" ", "")
        found = [u for u in people if normal(u) == wanted or normal(self.person(u)).replace(" ", "") == wanted]
        return found or [u for u in people if wanted and wanted in normal(self.person(u)).replace(" ", "")]

    def mentions(self, text: str) -> str:
        """`@佐藤` as Slack would send it, `<@U01SHIMIN>`, when it names one person (Slack turns a chosen @name
        into the user's id; a terminal has no list to choose from). Anything else stays as typed."""

        def mention(match: re.Match[str]) -> str:
            found = self.find(match.group(1))
            return f"<@{found[0]}>" if len(found) == 1 else match.group(0)

        return re.sub(r"(?<![<\w])@([^\s@<>]+)", mention, text)

    def switch(self, who: str) -> None:
        found = self.find(who)
        if len(found) != 1:
            key = "console.user_unknown" if not found else "console.user_ambiguous"
            self.out(self.t(key, who=who, choices="、".join(self.person(u) for u in found)))
            return
        self.user = found[0]
        self.out(self.t("console.user_set", name=self.person(self.user), user=self.user))

    def people(self) -> dict[str, list[str]]:
        """Everyone renkei.yml names, with their roles in words."""
        pf = self.services.project_file
        roles: dict[str, list[str]] = {u: [] for u in pf.people}
        for department in pf.departments:
            for user in department.liaisons:
                roles.setdefault(user, []).append(self.t("console.role_liaison", department=department.name))
        for project in pf.projects:
            for user in project.leads:
                roles.setdefault(user, []).append(self.t("console.role_lead", project=project.name))
            for user in project.managers:
                roles.setdefault(user, []).append(self.t("console.role_manager", project=project.name))
        for user in pf.admins:
            roles.setdefault(user, []).append(self.t("console.role_admin"))
        return roles

    def who(self) -> None:
        self.out(self.t("console.who_title"))
        for user, roles in self.people().items():
            mark = "*" if user == self.user else " "
            self.out(self.t("console.who_line", mark=mark, name=self.person(user), user=user, roles="、".join(roles) or "-"))

    # --- the clock ---------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock.now()

    def time(self, arg: str) -> None:
        start = self.now()
        if not arg:
            self.out(self.t("console.time_now", when=when_text(self.t, start.astimezone(self.zone))))
            return
        try:
            target = self.target(arg, start)
        except AmbiguousDate as problem:
            self.out(ambiguous_text(self.t, problem))
            return
        if target is None:
            self.out(self.t("console.time_usage"))
            return
        if target <= start:
            self.out(self.t("console.time_past", when=when_text(self.t, start.astimezone(self.zone))))
            return
        if target - start > MAX_STEP:
            self.out(self.t("console.time_too_far", days=MAX_STEP.days))
            return
        self.move_to(target)
        self.out(self.t("console.time_moved", when=when_text(self.t, target.astimezone(self.zone))))

    def target(self, arg: str, start: dt.datetime) -> dt.datetime | None:
        """Where `:time` moves the clock: `+1d` / `+3h` / `+30m` on from now, or a moment in words or ISO
        (commands.dates.read_moment: `明日 09:31`, `来週月曜 9時`, `17:00`, `2026-12-02T09:30`). None when
        unreadable; AmbiguousDate for a day read two ways."""
        arg = unicodedata.normalize("NFKC", arg).strip()
        if arg.startswith("+"):
            try:
                return start + parse_duration(arg[1:])
            except ValueError:
                return None
        return read_moment(arg, start.astimezone(self.zone))

    def move_to(self, target: dt.datetime) -> None:
        """Fire, in order and once each, every job due after now up to `target`; then stay at `target`."""
        from reminders.firing import describe, silent_reason

        def announce(moment: dt.datetime, spec) -> None:
            self.fill_forms()
            self.out(
                self.t(
                    "console.job_fired", when=when_text(self.t, moment.astimezone(self.zone)), what=describe(self.services, spec)
                )
            )

        def skipped(result) -> None:  # a firing that sent nothing says why, under its ⏰ line
            reason = silent_reason(result)
            if reason is not None:
                self.out(self.t("console.job_skipped", reason=self.t(f"jobs.reason.{reason}")))

        self.clock.advance(target, before_each=announce, after_each=skipped)
        self.fill_forms()

    def close(self) -> None:
        self.clock.stop()

    # --- the loop ----------------------------------------------------------------

    def run(self) -> int:
        """Read lines until EOF or `:quit`; returns how many commands and presses were answered."""
        answered = 0
        while True:
            raw = self.read(self.t("console.prompt", user=self.person(self.user)))
            if raw is None:
                break
            line = raw.strip()
            if not line:
                continue
            word, arg = split_first(line)
            if word in {":quit", ":q", "exit"}:
                break
            actions = {
                ":user": self.switch,
                ":press": self.press,
                ":p": self.press,
                ":time": self.time,
                ":who": lambda _: self.who(),
                ":help": lambda _: self.out(self.t("console.help")),
            }
            if word in actions:
                actions[word](arg.strip())
                answered += word in {":press", ":p"}
            elif line.startswith("/"):
                self.command(line)
                answered += 1
            else:
                self.out(self.t("console.not_a_command"))
        return answered


def run_console(
    settings: Settings,
    *,
    user: str | None,
    stdin: TextIO,
    out: Callable[[str], None],
    prompt: Callable[[str], None] | None = None,
) -> int:
    """The console on RENKEI_CONFIG (the sample project when it is missing); returns how many actions ran."""
    t = bootstrap_translator(settings)
    config_path = Path(settings.renkei_config)
    sample = not config_path.exists()
    if sample:
        config_path = SAMPLE_PROJECT
    try:
        project_file = load_project_file(config_path)
    except ProjectFileError as exc:
        for line in project_file_problems(t, exc):
            out(line)
        return 0
    logging.disable(logging.ERROR)  # the console shows what people see, not log lines
    try:
        services, slack = local_services(settings, project_file)
        t = services.translator()
        if sample:
            out(t("console.sample", file=config_path))
        out(t("console.banner"))

        def read(text: str) -> str | None:
            if prompt is not None:
                prompt(text)
            line = stdin.readline()
            return line if line else None

        everyone = [*project_file.people, *(u for d in project_file.departments for u in d.liaisons), *project_file.admins]
        first = next(iter(everyone), "U00CONSOLE")
        console = Console(services, slack, user=first, out=out, read=read, interactive=prompt is not None)
        if user:  # an id or a name, as `:user` takes it; someone unknown is said, and the first person stays
            console.switch(user)
        if not user or console.user == first and first not in console.find(user):
            out(t("console.user_set", name=console.person(first), user=first))
        console.time("")  # where the clock stands (the project's time zone: 02:00 in Tokyo may be "yesterday" elsewhere)
        try:
            return console.run()
        finally:
            console.close()
            services.engine.dispose()
    finally:
        logging.disable(logging.NOTSET)


def bootstrap_translator(settings: Settings) -> Translator:
    """A translator before the project file is known: RENKEI_LANG or Japanese."""
    return Translator(settings.renkei_lang or "ja")
