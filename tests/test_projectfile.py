"""renkei.yml: valid files load; every kind of mistake is named with its line and fix."""

from __future__ import annotations

import textwrap

import pytest

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
    text = (VALID.replace('"3h"', '"3q"').replace("U10LEAD", "tanaka").replace("[shimin, zeimu, it]", "[shimin, nope]")
            .replace("timezone: Asia/Tokyo", "timezone: Asia/Tokio"))
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
