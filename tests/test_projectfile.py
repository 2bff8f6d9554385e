"""renkei.yml: valid files load; every kind of mistake is named with its line and fix."""

from __future__ import annotations

import textwrap

import pytest

from bot.i18n import Translator
from bot.messages import project_file_problems
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
