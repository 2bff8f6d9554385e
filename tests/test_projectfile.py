"""renkei.yml: valid files load; every kind of mistake is named with its line and fix."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.i18n import Translator, catalog
from bot.messages import project_file_problems
from storage import projectfile
from storage.projectfile import ProjectFileError, crontab_to_apscheduler, load_project_file, parse_duration, parse_project_file
from tests.conftest import SAMPLE

VALID = textwrap.dedent("""\
    timezone: Asia/Tokyo
    departments:
      - {slug: shimin, name: 市民課, liaisons: [U01SHIMIN]}
      - {slug: zeimu, name: 税務課, liaisons: [U02ZEIMU]}
      - {slug: it, name: 情報政策課, liaisons: [U09IT], role: it}
    projects:
      - slug: moving
        name: 引越しワンストップ化
        departments: [shimin, zeimu, it]
        leads: [U10LEAD]
        standup: {cron: "30 9 * * mon-fri", remind_after: "3h"}
        meetings:
          - {title: 定例会議, cron: "0 10 * * wed", remind_before: ["1d", "15m"]}
    """)


def problems_of(text: str):
    with pytest.raises(ProjectFileError) as caught:
        parse_project_file(text)
    return caught.value.problems


def test_sample_and_minimal_files_load():
    sample = load_project_file(SAMPLE)
    assert [d.slug for d in sample.departments][:3] == ["shimin", "zeimu", "kokuho"]
    parsed = parse_project_file(VALID)
    project = parsed.project("moving")
    assert project.channel_name("zeimu") == "moving-zeimu"
    assert project.leads_channel_name == "moving-leads"
    assert project.escalation.nudge_after == 3 and project.escalation.leads_after == 7
    assert parsed.year_end_closure == ("12-29", "01-03")
    assert parsed.department("it").role == "it"


def test_unknown_key_is_named_with_its_line():
    text = VALID.replace("name: 税務課,", "name: 税務課, colour: red,")
    [problem] = problems_of(text)
    assert (problem.code, problem.line, problem.params["key"]) == ("unknown_key", 4, "colour")


def test_bad_cron_names_line_and_value():
    [problem] = problems_of(VALID.replace('"0 10 * * wed"', '"0 25 * * wed"'))
    assert (problem.code, problem.line, problem.params["value"]) == ("bad_cron", 13, "0 25 * * wed")


@pytest.mark.parametrize("bad", ["3x", "h3", "1.5h", "", "-1d"])
def test_bad_durations_are_refused(bad):
    [problem] = problems_of(VALID.replace('remind_after: "3h"', f'remind_after: "{bad}"'))
    assert problem.code == "bad_duration" and problem.line == 11


def test_good_durations_are_read():
    assert [parse_duration(v).total_seconds() for v in ("3h", "1d", "15m")] == [10800, 86400, 900]


def test_unknown_and_duplicate_slugs():
    text = VALID.replace("departments: [shimin, zeimu, it]", "departments: [shimin, zeimuu, it, it]")
    text = text.replace("{slug: it,", "{slug: zeimu,")
    codes = {(p.code, p.line) for p in problems_of(text)}
    assert ("duplicate_slug", 5) in codes
    assert ("unknown_department", 9) in codes


def test_unknown_department_message_lists_known_slugs():
    problems = problems_of(VALID.replace("[shimin, zeimu, it]", "[shimin, zeimu, fukushi]"))
    assert problems[0].params == {"slug": "fukushi", "known": "it, shimin, zeimu"}


def test_project_without_departments():
    [problem] = problems_of(VALID.replace("departments: [shimin, zeimu, it]", "departments: []"))
    assert (problem.code, problem.line) == ("project_without_departments", 9)
    [missing] = problems_of(VALID.replace("    departments: [shimin, zeimu, it]\n", ""))
    assert (missing.code, missing.params["key"]) == ("missing_key", "departments")


def test_every_problem_is_reported_at_once_in_line_order():
    text = (
        VALID.replace('"3h"', '"3q"')
        .replace("U10LEAD", "tanaka")
        .replace("[shimin, zeimu, it]", "[shimin, nope]")
        .replace("timezone: Asia/Tokyo", "timezone: Asia/Tokio")
    )
    problems = problems_of(text)
    assert [p.code for p in problems] == ["bad_timezone", "unknown_department", "bad_user", "bad_duration"]
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_yaml_syntax_error_has_a_line():
    [problem] = problems_of("departments:\n  - {slug: a\nprojects: []\n")
    assert problem.code == "yaml_syntax" and problem.line is not None


def test_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(ProjectFileError) as caught:
        load_project_file(tmp_path / "nope.yml")
    assert caught.value.problems[0].code == "file_missing"


def test_crontab_weekday_numbers_keep_their_crontab_meaning():
    assert crontab_to_apscheduler("30 9 * * 1-5") == "30 9 * * mon-fri"
    assert crontab_to_apscheduler("0 9 * * 0,7") == "0 9 * * sun,sun"
    assert crontab_to_apscheduler("0 8 1 * *") == "0 8 1 * *"
    assert crontab_to_apscheduler("*/15 9 * * mon") == "*/15 9 * * mon"


# --- channel names: Slack takes at most 80 lower-case letters, digits, hyphens and underscores ----------------

LONG_PROJECT, LONG_DEPARTMENT = "p" * 40, "d" * 40  # each slug at its limit: `<project>-<department>` is 81


def with_slugs(project: str, department: str) -> str:
    return (
        VALID.replace("slug: moving", f"slug: {project}")
        .replace("{slug: zeimu,", f"{{slug: {department},")
        .replace("[shimin, zeimu, it]", f"[shimin, {department}, it]")
    )


def with_leads_channel(name: str) -> str:
    return VALID.replace("    leads: [U10LEAD]\n", f"    leads: [U10LEAD]\n    leads_channel: {name}\n")


def test_a_department_channel_over_80_characters_is_named_at_its_line():
    [problem] = problems_of(with_slugs(LONG_PROJECT, LONG_DEPARTMENT))
    assert (problem.code, problem.line, problem.path) == ("channel_name_too_long", 9, "projects[0].departments[1]")
    assert problem.params == {"name": f"{LONG_PROJECT}-{LONG_DEPARTMENT}", "length": 81, "limit": 80}
    message = project_file_problems(Translator("ja"), ProjectFileError("renkei.yml", [problem]))[1]
    assert message.startswith("renkei.yml 9 行目（projects[0].departments[1]）: チャンネル名「ppp")
    assert "81 文字" in message and "スラッグを短くしてください" in message
    project = parse_project_file(with_slugs(LONG_PROJECT[1:], LONG_DEPARTMENT)).projects[0]
    assert len(project.channel_name(LONG_DEPARTMENT)) == 80  # exactly Slack's limit is fine


@pytest.mark.parametrize("name", ["Moving-Leads", "'#moving-leads'", "moving.leads", "moving leads", "リーダー", "---", "_"])
def test_a_leads_channel_slack_would_refuse_is_named_at_its_line(name):
    [problem] = problems_of(with_leads_channel(name))
    assert (problem.code, problem.line, problem.path) == ("bad_channel_name", 11, "projects[0].leads_channel")
    assert problem.params == {"name": name.strip("'")}


def test_a_leads_channel_over_80_characters_is_named_and_80_is_fine():
    [problem] = problems_of(with_leads_channel("l" * 81))
    assert (problem.code, problem.line, problem.params["length"]) == ("leads_channel_too_long", 11, 81)
    for name in ("l" * 80, "moving_leads", "2026-moving-leads"):
        assert parse_project_file(with_leads_channel(name)).projects[0].leads_channel_name == name


def test_two_channels_with_one_name_are_refused_but_projects_may_share_leads():
    [problem] = problems_of(with_leads_channel("moving-zeimu"))
    assert (problem.code, problem.line) == ("channel_name_taken", 11)
    assert problem.params == {"name": "moving-zeimu", "other": "projects[0].departments[1]"}
    # `<project>-<department>` is ambiguous: moving + zeimu-kikaku and moving-zeimu + kikaku are one channel
    second = (
        "  - slug: moving-zeimu\n    name: 税務の別プロジェクト\n    departments: [kikaku]\n"
        "    leads_channel: moving-leads\n"
    )  # the leads channel of the first project too: that is fine
    text = (
        with_leads_channel("moving-leads")
        .replace("[shimin, zeimu, it]", "[shimin, zeimu, it, zeimu-kikaku]")
        .replace(
            "  - {slug: it,", "  - {slug: zeimu-kikaku, name: 税務課企画係}\n  - {slug: kikaku, name: 企画課}\n  - {slug: it,"
        )
        + second
    )
    [clash] = problems_of(text)
    assert (clash.code, clash.path, clash.params) == (
        "channel_name_taken",
        "projects[1].departments[0]",
        {"name": "moving-zeimu-kikaku", "other": "projects[0].departments[3]"},
    )


# --- report.dates: how the Excel report writes its dates --------------------------------------------------------


@pytest.mark.parametrize("style", ["wareki", "seireki", "both"])
def test_report_dates_take_one_of_three_styles(style):
    text = VALID.replace("    meetings:", f"    report: {{dates: {style}}}\n    meetings:")
    project = parse_project_file(text).project("moving")
    assert project.report_dates == style
    assert project.report.cron is None  # dates alone: no monthly report is sent


def test_report_dates_default_to_both_eras():
    assert parse_project_file(VALID).project("moving").report_dates == "both"
    with_cron = VALID.replace("    meetings:", '    report: {cron: "0 8 1 * *"}\n    meetings:')
    assert parse_project_file(with_cron).project("moving").report_dates == "both"


def test_an_unknown_date_style_is_named_with_its_line_and_the_three_choices():
    text = VALID.replace("    meetings:", "    report: {dates: heisei}\n    meetings:")
    [problem] = problems_of(text)
    assert (problem.code, problem.line, problem.path) == ("bad_choice", 12, "projects[0].report.dates")
    with pytest.raises(ProjectFileError) as caught:
        parse_project_file(text)
    [_, line] = project_file_problems(Translator("ja"), caught.value)
    assert line == (
        "renkei.yml 12 行目（projects[0].report.dates）: 「heisei」は使えません。wareki, seireki, both のいずれかにしてください。"
    )


FORMULA_PLACES = {  # where renkei.yml holds words the workbook shows: (the line's old text, new text, line)
    "a department's name": ("name: 税務課,", "name: '=cmd|'' /C calc''!A0',", 4),
    "the project's name": ("name: 引越しワンストップ化", "name: '+81 引越し'", 8),
    "the project's purpose": ("name: 引越しワンストップ化", "name: 引越し\n    purpose: '@SUM(1)'", 9),
    "a meeting's title": ("title: 定例会議,", "title: '-定例会議',", 13),
    "a stand-up question": ('remind_after: "3h"}', 'remind_after: "3h", questions: ["=1+1"]}', 11),
    "a hearing question": ("    meetings:", "    hearing: {questions: ['=1+1 困りごと']}\n    meetings:", 12),
    "a 振り返り question": ("    meetings:", "    operation: {questions: ['@よかったこと']}\n    meetings:", 12),
    "a person's name": ("projects:", "people: {U01SHIMIN: '=佐藤'}\nprojects:", 6),
}


@pytest.mark.parametrize("place", FORMULA_PLACES)
def test_words_starting_like_a_spreadsheet_formula_are_refused_where_they_stand(place):
    """Rule: renkei.yml's names, titles, questions and purposes reach the Excel report; one starting with `=`, `+`,
    `-` or `@` is refused by `renkei check` with its line and how to write it (the workbook's own guard is the second
    line: tests/test_rules_guards.py)."""
    old, new, line = FORMULA_PLACES[place]
    assert old in VALID
    [problem] = problems_of(VALID.replace(old, new, 1))
    assert (problem.code, problem.line) == ("formula_text", line), place
    worded = project_file_problems(Translator("ja"), ProjectFileError("renkei.yml", [problem]))[1]
    assert f"{line}" in worded and "数式" in worded and problem.params["value"] in worded


def test_words_with_a_sign_inside_or_a_negative_looking_duration_are_their_own_rules():
    """The controls: a sign inside a name is fine; `-1d` stays a duration's problem, not a formula's."""
    assert parse_project_file(VALID.replace("name: 税務課,", "name: 税務課=課税,")).department("zeimu").name == "税務課=課税"
    [problem] = problems_of(VALID.replace('remind_after: "3h"', 'remind_after: "-1d"'))
    assert problem.code == "bad_duration"


# --- issue 24, point 5: every problem answers in a sentence, at its line, and nothing is read without limit -------

ANY_CODE = re.compile(r'Problem\(\s*"(\w+)"|code(?:, params)? = "(\w+)"(?! \+)|return "(\w+)", \{')


def every_code() -> set[str]:
    """Every problem code storage/projectfile.py can give, read from its source and tables."""
    source = Path(projectfile.__file__).read_text(encoding="utf-8")
    found = {a or b or c for a, b, c in ANY_CODE.findall(source)}
    return found | projectfile.CUSTOM_PROBLEMS | set(projectfile.TYPE_PROBLEMS.values()) | {"empty_departments", "empty_projects"}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_problem_code_has_a_sentence_in_both_catalogs(lang):
    """Rule: a problem is worded by `config.<code>`; a code without its sentence was a KeyError (bad_person_name)."""
    codes = every_code()
    assert {"unknown_key", "unknown_key_close", "missing_key", "bad_person_name", "too_deep", "not_date"} <= codes
    assert sorted(code for code in codes if f"config.{code}" not in catalog(lang)) == []


LONG = "質" * (projectfile.QUESTION_LENGTH + 1)
BROKEN = {  # what an operator writes: (old text of VALID, new text, the code, the line, words of the sentence)
    "unknown key, close to a known one": (
        "    leads: [U10LEAD]\n",
        "    leads: [U10LEAD]\n    leads_chanel: moving-leads\n",
        "unknown_key_close",
        11,
        "leads_chanel は使えない項目です。leads_channel のことですか？",
    ),
    "unknown key, like none": (
        "name: 税務課,",
        "name: 税務課, colour: red,",
        "unknown_key",
        4,
        "colour は使えない項目です。ここに書ける項目: slug, name, liaisons, role。",
    ),
    "a department without its name": ("{slug: zeimu, name: 税務課,", "{slug: zeimu,", "missing_key", 4, "「name」が必要です"),
    "a person's name over 80 characters": (
        "projects:",
        f"people:\n  U01SHIMIN: 佐藤 花子\n  U02ZEIMU: {'鈴' * 81}\nprojects:",
        "bad_person_name",
        8,
        "空でない80文字以内で書いてください",
    ),
    "a person under a display name": (
        "projects:",
        "people:\n  U01SHIMIN: 佐藤 花子\n  sato: 佐藤 花子\nprojects:",
        "bad_user",
        8,
        "「sato」は Slack のユーザー ID ではありません",
    ),
    "a key written twice": (
        '    standup: {cron: "30 9 * * mon-fri", remind_after: "3h"}\n',
        '    standup: {cron: "30 9 * * mon-fri", remind_after: "3h"}\n    standup: {cron: "0 9 * * mon-fri"}\n',
        "duplicate_key",
        12,
        "standup が2回書かれています（11 行目にもあります）",
    ),
    "a date no calendar has": (
        "timezone: Asia/Tokyo",
        "timezone: Asia/Tokyo\nclosed_days: [2026-02-30]",
        "not_date",
        2,
        "2026-02-30",
    ),
    "a word for a date": (
        "timezone: Asia/Tokyo",
        "timezone: Asia/Tokyo\nclosed_days: [お盆]",
        "not_date",
        2,
        "「お盆」は日付として読めません",
    ),
    "a word for a number": (
        "    leads: [U10LEAD]\n",
        "    leads: [U10LEAD]\n    escalation: {nudge_after: 三日}\n",
        "not_integer",
        11,
        "「三日」は整数として読めません",
    ),
    "a number out of range": (
        "    leads: [U10LEAD]\n",
        "    leads: [U10LEAD]\n    escalation: {nudge_after: 0}\n",
        "too_small",
        11,
        "「0」は小さすぎます。1 以上にしてください。",
    ),
    "a department's name longer than the database keeps": (
        "name: 税務課,",
        f"name: {'税' * 101},",
        "text_too_long",
        4,
        "101 文字あります。100 文字以内にしてください。",
    ),
    "eleven stand-up questions": (
        'remind_after: "3h"}',
        f'remind_after: "3h", questions: [{", ".join(f"質問{n}" for n in range(11))}]}}',
        "too_many",
        11,
        "11 件書かれています。10 件までにしてください。",
    ),
    "a stand-up question over 150 characters": (
        'remind_after: "3h"}',
        f'remind_after: "3h", questions: [{LONG}]}}',
        "bad_question",
        11,
        "空でない150文字以内の文にしてください",
    ),
    "a year-end closure of a whole year": (
        "timezone: Asia/Tokyo",
        'timezone: Asia/Tokyo\nyear_end_closure: ["01-04", "01-03"]',
        "closure_too_long",
        2,
        "366 日あります。31 日以内にしてください",
    ),
    "a year-end closure of one day only": (
        "timezone: Asia/Tokyo",
        'timezone: Asia/Tokyo\nyear_end_closure: ["12-29"]',
        "too_few",
        2,
        "1 件しか書かれていません。2 件以上書いてください。",
    ),
    "a thousand and one closed days": (
        "timezone: Asia/Tokyo",
        "timezone: Asia/Tokyo\nclosed_days:\n"
        + "".join(f"  - {dt.date(2030, 1, 1) + dt.timedelta(days=n)}\n" for n in range(1001)),
        "too_many",
        2,
        "1001 件書かれています。1000 件までにしてください。",
    ),
    "a name YAML reads as a date": ("name: 税務課,", "name: 2026-04-01,", "not_text", 4, '"…" で囲んでください'),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_mistake_is_a_sentence_at_its_line_in_both_languages(case):
    """Rule: every mistake an operator makes is one problem with its line and a sentence in the file's language —
    never a KeyError or TypeError from wording it (the unknown key and the missing one were `got multiple values
    for argument 'key'`), never pydantic's English in Japanese."""
    old, new, code, line, words = BROKEN[case]
    assert old in VALID, case
    text = VALID.replace(old, new, 1)
    [problem] = problems_of(text)
    assert (problem.code, problem.line) == (code, line), problem
    error = ProjectFileError("renkei.yml", [problem])
    ja, en = (project_file_problems(Translator(lang), error)[1] for lang in ("ja", "en"))
    assert ja.startswith(f"renkei.yml {line} 行目") and words in ja, ja
    assert en.startswith(f"renkei.yml line {line}"), en
    for english in ("should", "Input", "Value error", "Field required", "Extra inputs"):
        assert english not in ja and english not in en


def test_every_mistake_of_a_file_is_listed_at_once():
    """`renkei check` lists them all, in line order: here an unknown key, a missing name, a person's name too long
    and a stand-up form too large for Slack, in one run."""
    text = (
        VALID.replace("    leads: [U10LEAD]\n", "    leads: [U10LEAD]\n    leads_chanel: moving-leads\n")
        .replace("{slug: zeimu, name: 税務課,", "{slug: zeimu,")
        .replace("projects:", f"people:\n  U02ZEIMU: {'鈴' * 81}\nprojects:")
    )
    assert [p.code for p in problems_of(text)] == ["missing_key", "bad_person_name", "unknown_key_close"]


# --- forms: Slack keeps at most 3,000 characters of a form's private_metadata -------------------------------------

QUOTE = '"'  # written `\"` in JSON: two characters each


def with_standup(questions: list[str], extra: dict[str, list[str]] | None = None) -> str:
    """VALID with these stand-up questions (and departments' own), written as YAML single-quoted strings."""

    def flow(items: list[str]) -> str:
        return "[" + ", ".join("'" + q.replace("'", "''") + "'" for q in items) + "]"

    spec = f'{{cron: "30 9 * * mon-fri", questions: {flow(questions)}'
    if extra:
        spec += ", extra: {" + ", ".join(f"{slug}: {flow(q)}" for slug, q in extra.items()) + "}"
    return VALID.replace('standup: {cron: "30 9 * * mon-fri", remind_after: "3h"}', "standup: " + spec + "}")


def measured(questions: list[str]) -> int:
    return len(projectfile.standup_metadata(projectfile.LARGEST_ID, projectfile.LARGEST_CHANNEL_ID, questions))


def at_most(length: int) -> list[str]:
    """Ten questions of 150 characters whose form carries exactly `length` characters: quotes (two characters in
    JSON) traded for letters (one)."""
    questions = [QUOTE * projectfile.QUESTION_LENGTH for _ in range(projectfile.QUESTIONS_LIMIT)]
    over = measured(questions) - length
    assert 0 < over < projectfile.QUESTION_LENGTH
    questions[0] = "あ" * over + QUOTE * (projectfile.QUESTION_LENGTH - over)
    assert measured(questions) == length
    return questions


def test_a_standup_form_over_slacks_3000_characters_is_refused_and_3000_opens():
    """Rule: the stand-up form keeps its questions in private_metadata (commands/standup.py `modal`), which Slack caps
    at 3,000 characters: `renkei check` measures it as Slack will get it, with the largest ids; at 3,000 the real
    form's metadata fits, one more character is refused at the line of `questions`."""
    from commands.standup import modal
    from storage.models import Project

    fits = parse_project_file(with_standup(at_most(3000)))
    questions = list(fits.project("moving").standup.questions)
    project = Project(id=projectfile.LARGEST_ID, slug="moving", name="引越し", leads_channel_name="moving-leads")
    form = modal(Translator("ja"), project=project, questions=questions, channel_id=projectfile.LARGEST_CHANNEL_ID)
    assert len(form["private_metadata"]) == projectfile.PRIVATE_METADATA_LIMIT == 3000
    assert [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"] == questions  # labels not cut
    [problem] = problems_of(with_standup(at_most(3001)))
    assert (problem.code, problem.line, problem.params) == (
        "standup_form_too_large",
        11,
        {"length": 3001, "limit": 3000},
    )


def test_a_departments_own_questions_count_in_its_form():
    """Rule: a department's `standup.extra` questions join its form after the project's: the project's fit, the
    department's whole form does not, and the problem is named at that department's line."""
    base = at_most(3000)[:6]
    extra = [f"{n}{QUOTE * (projectfile.QUESTION_LENGTH - 1)}" for n in range(5)]  # not the project's: asked too
    assert measured(base + extra[:4]) <= 3000 < measured(base + extra)
    [problem] = problems_of(with_standup(base, {"zeimu": extra, "shimin": extra[:4]}))  # shimin's form just fits
    assert (problem.code, problem.path) == ("standup_extra_too_large", "projects[0].standup.extra.zeimu")
    assert problem.params == {"department": "zeimu", "length": measured(base + extra), "limit": 3000}


def test_a_retrospective_form_over_3000_characters_is_refused():
    questions = "[" + ", ".join(["'" + QUOTE * projectfile.QUESTION_LENGTH + "'"] * 10) + "]"
    text = VALID.replace("    meetings:", f"    operation: {{questions: {questions}}}\n    meetings:")
    [problem] = problems_of(text)
    assert (problem.code, problem.path) == ("retro_form_too_large", "projects[0].operation.questions")


def test_the_questions_limit_keeps_a_label_within_slacks_2000_characters():
    from commands.blocks import INPUT_LABEL

    assert projectfile.QUESTION_LENGTH <= INPUT_LABEL == 2000


# --- reading: size, nesting and aliases bounded before anything is built ------------------------------------------


def nested(depth: int) -> str:
    """VALID with one more key whose value is lists nested so that the deepest is at `depth` (the file's own
    mapping is the first level)."""
    return VALID + "extra_key: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def test_nesting_deeper_than_twenty_is_refused_before_the_rest_is_read():
    assert [p.code for p in problems_of(nested(projectfile.DEPTH_LIMIT))] == ["unknown_key"]  # read, then named
    [problem] = problems_of(nested(projectfile.DEPTH_LIMIT + 1))
    assert (problem.code, problem.line, problem.params) == ("too_deep", 14, {"limit": 20})
    # refused where the limit is passed: what follows is never parsed (a YAML error there is not reached)
    [early] = problems_of(VALID + "x: " + "[" * 5000 + "\n: : broken")
    assert early.code == "too_deep"
    block = "".join("  " * n + f"k{n}:\n" for n in range(30)) + "  " * 30 + "v\n"
    assert problems_of(VALID + block)[0].code == "too_deep"


def test_aliases_that_multiply_are_refused_and_ordinary_ones_load():
    """A few lines of anchors and aliases expand to 10^9 values ("billion laughs"): counted as they would expand,
    they are refused at once; an alias inside its own anchor never ends and is refused too. Reusing a list is fine."""
    laughs = "lol0: &l0 [a, a, a, a, a, a, a, a, a, a]\n" + "".join(
        f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 9)
    )
    started = time.monotonic()
    [problem] = problems_of(VALID + laughs)
    assert problem.code == "too_many_values" and time.monotonic() - started < 5
    [loop] = problems_of(VALID + "loop: &me [1, *me]\n")
    assert (loop.code, loop.params) == ("alias_loop", {"anchor": "me"})
    reused = VALID.replace('remind_before: ["1d", "15m"]', 'remind_before: &twice ["1d", "15m"]') + (
        "    uat: {remind_before: *twice}\n"
    )
    assert parse_project_file(reused).project("moving").uat.remind_before == ["1d", "15m"]


def test_a_file_over_a_megabyte_is_refused_by_its_size_before_a_byte_is_read(tmp_path, monkeypatch):
    big = tmp_path / "renkei.yml"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # 2 GB, sparse: reading it would take a while
    monkeypatch.setattr(Path, "open", lambda *args, **kwargs: pytest.fail("the file was opened"))
    with pytest.raises(ProjectFileError) as caught:
        load_project_file(big)
    [problem] = caught.value.problems
    assert (problem.code, problem.params) == ("file_too_large", {"size": 2 * 1024**3, "limit": 1_000_000})
    [line] = project_file_problems(Translator("ja"), caught.value)
    assert line == (
        "プロジェクトファイルが大きすぎます（2147483648 バイト。上限は 1000000 バイトです）。"
        "RENKEI_CONFIG が renkei.yml を指しているか確認してください。"
    )


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_not(tmp_path):
    path = tmp_path / "renkei.yml"
    path.write_bytes(VALID.encode() + b"#" * (projectfile.FILE_LIMIT - len(VALID.encode())))
    assert load_project_file(path).project("moving")
    path.write_bytes(path.read_bytes() + b"#")
    with pytest.raises(ProjectFileError) as caught:
        load_project_file(path)
    assert caught.value.problems[0].code == "file_too_large"


@pytest.mark.parametrize("where", ["a folder", "a device", "missing"])
def test_a_path_that_is_no_project_file_is_one_sentence(tmp_path, where):
    path = {"a folder": tmp_path, "a device": Path("/dev/zero"), "missing": tmp_path / "nope.yml"}[where]
    with pytest.raises(ProjectFileError) as caught:
        load_project_file(path)
    [line] = project_file_problems(Translator("ja"), caught.value)
    code = "file_missing" if where == "missing" else "not_a_file"
    assert caught.value.problems[0].code == code and str(path.resolve()) in line


def test_a_file_not_in_utf8_is_named_with_the_line_of_its_first_odd_byte(tmp_path):
    path = tmp_path / "renkei.yml"
    path.write_bytes(VALID.replace("name: 税務課", "name: 税務課").encode("shift_jis"))
    with pytest.raises(ProjectFileError) as caught:
        load_project_file(path)
    assert [(p.code, p.line) for p in caught.value.problems] == [("not_utf8", 3)]


def test_a_file_that_grows_after_its_size_was_looked_at_is_read_no_further_than_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "renkei.yml"
    path.write_bytes(b"#" * (projectfile.FILE_LIMIT * 3))
    real = Path.stat
    monkeypatch.setattr(Path, "stat", lambda self, **kw: SimpleNamespace(st_mode=real(self).st_mode, st_size=10))
    with pytest.raises(ProjectFileError) as caught:
        load_project_file(path)
    [problem] = caught.value.problems
    assert (problem.code, problem.params["size"]) == ("file_too_large", projectfile.FILE_LIMIT + 1)
