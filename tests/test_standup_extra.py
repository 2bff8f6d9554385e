"""Per-department stand-up questions (issue 23, point 6): `standup.extra` in renkei.yml asks one department more,
after the project's questions; a slug the project does not have is named by `renkei check` with its line."""

from __future__ import annotations

import json

import pytest
import yaml

from bot.bootstrap import bootstrap
from storage.projectfile import load_project_file
from tests.conftest import SAMPLE, HttpApp, channel_id, post_slash, wait_for
from tests.test_projectfile import VALID, problems_of

EXTRA = "システム切替の準備で困っていること"


@pytest.fixture
def app(settings, fakeslack, tmp_path):
    from commands.channels import sync_channels

    project = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    project["projects"][0].setdefault("standup", {})["extra"] = {"kokuho": [EXTRA]}
    config = tmp_path / "renkei.yml"
    config.write_text(yaml.safe_dump(project, allow_unicode=True), encoding="utf-8")
    services = bootstrap(settings, project_file=load_project_file(config))
    with services.session() as session:
        sync_channels(session, services.gateway, services.translator())
    served = HttpApp(services)
    yield served
    served.close()
    services.close()


def labels(fakeslack) -> list[str]:
    view = json.loads(fakeslack.calls_to("views.open")[-1].params["view"])
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


def test_one_department_is_asked_its_own_question_after_the_projects(app, fakeslack):
    post_slash(app, "/standup", "", user="U03KOKUHO", channel=channel_id(fakeslack, "moving-kokuho"))
    wait_for(lambda: fakeslack.calls_to("views.open"))
    assert labels(fakeslack) == ["昨日やったこと", "今日やること", "困っていること", EXTRA]
    post_slash(app, "/standup", "", user="U02ZEIMU", channel=channel_id(fakeslack, "moving-zeimu"))
    wait_for(lambda: len(fakeslack.calls_to("views.open")) == 2)
    assert labels(fakeslack) == ["昨日やったこと", "今日やること", "困っていること"]


def test_an_extra_for_a_department_outside_the_project_is_named_with_its_line():
    text = VALID.replace(
        'standup: {cron: "30 9 * * mon-fri", remind_after: "3h"}',
        'standup: {cron: "30 9 * * mon-fri", remind_after: "3h", extra: {fukushi: ["窓口の混雑"]}}',
    )
    [problem] = problems_of(text)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "窓口の混雑" in row)
    assert (problem.code, problem.line, problem.params["slug"]) == ("extra_for_absent_department", line, "fukushi")
