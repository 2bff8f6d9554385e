"""A year of a large city exported to Excel, beside a bare openpyxl write-only dump of the same rows.

Run by hand (never in the test suite):

    .venv/bin/python benchmarks/bench_export.py            # 100,000 issues, 1,000,000 stand-up answers, 50 departments
    .venv/bin/python benchmarks/bench_export.py --scale 0.01   # a quick look

Each step runs in its own process, so each peak RSS is that step's alone. Targets: the export with
`--detail` (every answer as a row) takes at most 1.3x the bare dump's time; peak RSS stays under 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR_START, YEAR_END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)  # a Japanese fiscal year
TZ = dt.timezone(dt.timedelta(hours=9))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(db: Path, scale: float) -> None:
    """Fill a SQLite file with a year of activity: 50 departments, 100,000 issues, 1,000,000 stand-up answers."""
    from sqlalchemy import insert

    from reminders.calendar import BusinessCalendar
    from storage.db import make_engine, new_session
    from storage.directory import apply_project_file
    from storage.migrate import upgrade
    from storage.models import Issue, IssueEvent, StandupAnswer, Win
    from storage.projectfile import parse_project_file

    rng = random.Random(20261126)
    departments = 50
    days = [
        d
        for d in (YEAR_START + dt.timedelta(n) for n in range((YEAR_END - YEAR_START).days + 1))
        if BusinessCalendar().is_business_day(d)
    ]
    answers_target = int(1_000_000 * scale)
    liaisons = max(1, -(-answers_target // (departments * len(days))))  # enough people for the answers
    spec = {
        "people": {
            "U00000001": "報告 太郎",
            "U99LEAD": "主幹 花子",
            "U99BOSS": "課長 一郎",
            **{f"U{n:02d}{k:05d}": f"職員{n:02d} {k:05d}" for n in range(departments) for k in range(liaisons)},
        },
        "departments": [
            {"slug": f"d{n:02d}", "name": f"部署{n:02d}課", "liaisons": [f"U{n:02d}{k:05d}" for k in range(liaisons)]}
            for n in range(departments)
        ],
        "projects": [
            {
                "slug": "city",
                "name": "大都市の全庁プロジェクト",
                "departments": [f"d{n:02d}" for n in range(departments)],
                "leads": ["U99LEAD"],
                "managers": ["U99BOSS"],
            }
        ],
    }
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    text = json.dumps(spec, ensure_ascii=False)  # JSON is YAML: the export reads it back as the project file
    db.with_suffix(".yml").write_text(text, encoding="utf-8")
    with new_session(engine) as session:
        apply_project_file(session, parse_project_file(text))
    batch: list[dict] = []

    def flush(table, force=False):
        if batch and (force or len(batch) >= 20_000):
            with engine.begin() as connection:
                connection.execute(insert(table), batch)
            batch.clear()

    issues = int(100_000 * scale)
    for number in range(1, issues + 1):
        created = dt.datetime.combine(rng.choice(days), dt.time(9 + rng.randrange(8), rng.randrange(60)), TZ)
        resolved = created + dt.timedelta(days=rng.randrange(1, 40)) if rng.random() < 0.7 else None
        batch.append(
            {
                "id": number,
                "project_id": 1,
                "department_id": rng.randrange(1, departments + 1),
                "waiting_on_id": rng.randrange(1, departments + 1) if rng.random() < 0.3 else None,
                "title": f"住民異動データ連携の確認 {number}（様式{rng.randrange(100)}）",
                "body": "",
                "severity": rng.choice(["high", "normal", "low"]),
                "status": "resolved" if resolved else "open",
                "escalated": rng.random() < 0.05,
                "reporter_id": "U00000001",
                "created_at": created,
                "updated_at": resolved or created,
                "resolved_at": resolved,
            }
        )
        flush(Issue)
    flush(Issue, force=True)
    for number in range(1, issues + 1, 3):
        batch.append(
            {
                "issue_id": number,
                "actor_id": "U00000001",
                "kind": "resolved",
                "note": "関係課と調整のうえ対応済み",
                "created_at": dt.datetime.combine(YEAR_END, dt.time(12), TZ),
            }
        )
        flush(IssueEvent)
    flush(IssueEvent, force=True)
    written = 0
    for day in days:
        for department in range(departments):
            for k in range(liaisons):
                if written >= answers_target:
                    break
                batch.append(
                    {
                        "project_id": 1,
                        "department_id": department + 1,
                        "user_id": f"U{department:02d}{k:05d}",
                        "day": day,
                        "answers": json.dumps(
                            {"yesterday": "様式の確認", "today": "関係課と打合せ", "blockers": ""}, ensure_ascii=False
                        ),
                        "created_at": dt.datetime.combine(day, dt.time(10), TZ),
                    }
                )
                written += 1
                flush(StandupAnswer)
    flush(StandupAnswer, force=True)
    for n in range(int(2_000 * scale) + 1):
        batch.append(
            {
                "project_id": 1,
                "department_id": rng.randrange(1, departments + 1),
                "reporter_id": "U00000001",
                "text": f"窓口の待ち時間を短縮できた {n}",
                "created_at": dt.datetime.combine(rng.choice(days), dt.time(15), TZ),
            }
        )
        flush(Win)
    flush(Win, force=True)
    print(json.dumps({"issues": issues, "answers": written, "departments": departments, "liaisons_per_department": liaisons}))


def export(db: Path, out: Path, detail: bool) -> None:
    """Renkei's own export, as `renkei export --project city --from … --to … [--detail]` runs it."""
    from bot.i18n import Translator
    from commands.report import make_report
    from reminders.calendar import BusinessCalendar
    from storage.db import make_engine, new_session
    from storage.models import Project
    from storage.projectfile import load_project_file

    started = time.perf_counter()
    with new_session(make_engine(f"sqlite:///{db}")) as session:
        make_report(
            session,
            session.get(Project, 1),
            start=YEAR_START,
            end=YEAR_END,
            out=out,
            calendar=BusinessCalendar(),
            project_file=load_project_file(db.with_suffix(".yml")),
            t=Translator("ja"),
            detail=detail,
        )
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}))


def bare(db: Path, out: Path) -> None:
    """The floor: the same issue and answer rows read from the database and appended to a write-only workbook."""
    from openpyxl import Workbook
    from sqlalchemy import select

    from storage.db import make_engine, new_session
    from storage.models import Department, Issue, StandupAnswer

    started = time.perf_counter()
    wb = Workbook(write_only=True)
    with new_session(make_engine(f"sqlite:///{db}")) as session:
        names = {d.id: d.name for d in session.exec(select(Department)).scalars()}
        ws = wb.create_sheet("issues")
        columns = (
            Issue.id,
            Issue.department_id,
            Issue.waiting_on_id,
            Issue.status,
            Issue.severity,
            Issue.reporter_id,
            Issue.assignee_id,
            Issue.created_at,
            Issue.resolved_at,
            Issue.due_date,
            Issue.title,
        )
        for row in session.execute(select(*columns).execution_options(yield_per=2000)):
            ws.append(
                [
                    row[0],
                    names.get(row[1]),
                    names.get(row[2]),
                    row[3],
                    row[4],
                    row[5],
                    row[6],
                    row[7].replace(tzinfo=None),
                    row[8].replace(tzinfo=None) if row[8] else None,
                    row[9],
                    row[10],
                ]
            )
        ws = wb.create_sheet("answers")
        statement = select(StandupAnswer.day, StandupAnswer.department_id, StandupAnswer.user_id, StandupAnswer.answers)
        for day, department_id, user_id, answers in session.execute(statement.execution_options(yield_per=2000)):
            ws.append([day, names.get(department_id), user_id, answers])
    wb.save(out)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}))


def step(*args: str) -> dict:
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the large city's volume")
    parser.add_argument("--step", choices=["generate", "export", "export-detail", "bare"])
    parser.add_argument("--db")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.step == "generate":
        generate(Path(args.db), args.scale)
        return
    if args.step in ("export", "export-detail"):
        export(Path(args.db), Path(args.out), args.step == "export-detail")
        return
    if args.step == "bare":
        bare(Path(args.db), Path(args.out))
        return
    import lxml  # noqa: F401  (openpyxl writes through lxml when it is installed, about 1.26x faster)

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "city.db"
        started = time.perf_counter()
        volume = step("--step", "generate", "--db", str(db), "--scale", str(args.scale))
        generated = time.perf_counter() - started
        results = {
            name: step("--step", name, "--db", str(db), "--out", str(Path(folder) / f"{name}.xlsx"))
            for name in ("bare", "export-detail", "export")
        }
        sizes = {name: (Path(folder) / f"{name}.xlsx").stat().st_size / 2**20 for name in results}
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{dt.date.today()}; data: {volume} (generated in {generated:.0f} s)"
    )
    print(f"{'run':<28}{'seconds':>10}{'× bare':>9}{'peak RSS MB':>13}{'file MB':>9}")
    for name, label in (
        ("bare", "bare openpyxl dump"),
        ("export-detail", "renkei export --detail"),
        ("export", "renkei export (matrix)"),
    ):
        r = results[name]
        print(
            f"{label:<28}{r['seconds']:>10.1f}{r['seconds'] / results['bare']['seconds']:>9.2f}"
            f"{r['peak_rss_mb']:>13.0f}{sizes[name]:>9.1f}"
        )


if __name__ == "__main__":
    main()
