"""Deriving the scheduled jobs: `job_specs` and `renkei jobs list` with 100 meetings, beside 1 meeting.

Run by hand (never in the test suite):

    .venv/bin/python benchmarks/bench_jobs.py                  # 100 meetings x 3 reminders, against 1 meeting
    .venv/bin/python benchmarks/bench_jobs.py --meetings 300   # more
    .venv/bin/python benchmarks/bench_jobs.py --profile        # cProfile of `jobs list` (top functions)
    .venv/bin/python benchmarks/bench_jobs.py --meetings 21 --offsets 699   # the flood: meetings stored before the limits

Each scenario gets a temporary SQLite file and a renkei.yml of four projects (stand-up, digest, report, one
regular meeting each); the meetings are stored as `/meeting add` stores them (half weekly, half one-off, spread
over the projects so none passes storage.limits.MAX_MEETINGS_PER_PROJECT). Timed, best of `--repeat`:

- `job_specs`: every job derived from renkei.yml and the stored meetings (start-up, and each minute's reconcile);
- `jobs list (in process)`: the command's own code through typer's runner (derive, next firing, description);
- `renkei jobs list (process)`: the command as an operator runs it, in a new process: Python start-up
  and imports included.

Target: `renkei jobs list` under a second with 100 meetings.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OFFSETS = ["1d", "3h", "15m"]
PROJECTS = ["moving", "mynumber", "dx", "kosodate"]


def project_file_text() -> str:
    """Four projects over the sample's departments, each with every kind of job."""
    lines = ["timezone: Asia/Tokyo", "language: ja", "admins: [U99ADMIN]", "departments:"]
    departments = ["shimin", "zeimu", "kokuho", "fukushi", "kosodate", "it"]
    for n, slug in enumerate(departments):
        lines.append(
            f"  - {{slug: {slug}, name: 部署{n}課, liaisons: [U0{n + 1}LIAISON]" + (", role: it}" if slug == "it" else "}")
        )
    lines.append("projects:")
    for slug in PROJECTS:
        lines += [
            f"  - slug: {slug}",
            f"    name: {slug} の取り組み",
            f"    departments: [{', '.join(departments)}]",
            "    leads: [U10LEAD]",
            "    managers: [U20BOSS]",
            '    standup: {cron: "30 9 * * mon-fri", remind_after: "3h"}',
            '    digest: {cron: "0 16 * * fri"}',
            '    report: {cron: "0 8 1 * *"}',
            "    meetings:",
            '      - {title: 定例会議, cron: "0 10 * * wed", remind_before: ["1d", "15m"]}',
        ]
    return "\n".join(lines) + "\n"


def offsets_of(count: int) -> list[str]:
    """`count` reminder offsets: 1d, 3h, 15m, then 1m, 2m … (as a flood typed them)."""
    return OFFSETS[:count] + [f"{n}m" for n in range(1, count - len(OFFSETS) + 1)]


def prepare(folder: Path, meetings: int, offsets: int = len(OFFSETS)) -> dict[str, str]:
    """A database with `meetings` stored meetings; the environment `renkei` needs to read it."""
    from sqlmodel import select

    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from storage.meetings import add_meeting
    from storage.models import Project

    config = folder / "renkei.yml"
    config.write_text(project_file_text(), encoding="utf-8")
    url = f"sqlite:///{folder / 'renkei.db'}"
    services = bootstrap(Settings(_env_file=None, database_url=url, renkei_config=str(config), renkei_lang="ja"))
    start = dt.datetime.now(dt.timezone.utc).replace(hour=1, minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    with services.session() as session:
        ids = {p.slug: p.id for p in session.exec(select(Project))}
        for n in range(meetings):
            weekly = n % 2 == 0
            add_meeting(
                session,
                project_id=ids[PROJECTS[n % len(PROJECTS)]],
                title=f"会議{n}",
                cron=f"{n % 60} {9 + n % 8} * * {weekdays[n % 5]}" if weekly else None,
                starts_at=None if weekly else start + dt.timedelta(days=n, hours=n % 8),
                remind_before=offsets_of(offsets),
                created_by="U10LEAD",
            )
    services.engine.dispose()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RENKEI_", "DATABASE_URL"))}
    return {**base, "DATABASE_URL": url, "RENKEI_CONFIG": str(config), "RENKEI_LANG": "ja"}


def best(action, repeat: int) -> tuple[float, object]:
    """The shortest of `repeat` runs, in seconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return min(times), result


def measure(meetings: int, repeat: int, profile: bool, offsets: int = len(OFFSETS)) -> dict[str, float]:
    from typer.testing import CliRunner

    from bot.bootstrap import bootstrap
    from bot.cli import cli
    from bot.settings import Settings
    from reminders.firing import job_specs

    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), meetings, offsets)
        services = bootstrap(
            Settings(_env_file=None, database_url=env["DATABASE_URL"], renkei_config=env["RENKEI_CONFIG"], renkei_lang="ja")
        )
        specs_time, specs = best(lambda: job_specs(services), repeat)
        services.engine.dispose()
        runner, saved = CliRunner(), dict(os.environ)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "RENKEI_CONFIG", "RENKEI_LANG")})
        try:

            def listing() -> str:
                result = runner.invoke(cli, ["jobs", "list"])
                assert result.exit_code == 0, result.output
                return result.output

            list_time, output = best(listing, repeat)
            if profile:
                profiler = cProfile.Profile()
                profiler.runcall(listing)
                stream = io.StringIO()
                pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(18)
                print(stream.getvalue())
        finally:
            os.environ.clear()
            os.environ.update(saved)
        # what the `renkei` script runs, on this checkout's code (so a copy of another revision measures itself)
        renkei = [sys.executable, "-c", "from bot.cli import main; main()", "jobs", "list"]
        process_time, _ = best(
            lambda: subprocess.run(renkei, env=env, cwd=ROOT, check=True, capture_output=True), max(1, repeat // 2)
        )
    return {
        "meetings": meetings,
        "jobs": len(specs),
        "rows": str(output).count("\n") - 2,
        "job_specs": specs_time,
        "list": list_time,
        "process": process_time,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--offsets", type=int, default=len(OFFSETS), help="reminders of each stored meeting")
    parser.add_argument("--baseline", type=int, default=1, help="meetings of the baseline scenario")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile `jobs list` with --meetings meetings")
    args = parser.parse_args()
    print(f"{platform.platform()} · Python {platform.python_version()} · {dt.date.today()}")
    print(f"{'meetings':>8} {'jobs':>6} {'job_specs':>10} {'jobs list':>10} {'renkei jobs list':>17}")
    for count in (args.baseline, args.meetings):
        row = measure(count, args.repeat, args.profile and count == args.meetings, args.offsets)
        print(
            f"{row['meetings']:>8} {row['jobs']:>6} {row['job_specs'] * 1000:>8.1f}ms {row['list'] * 1000:>8.1f}ms"
            f" {row['process'] * 1000:>15.1f}ms"
        )


if __name__ == "__main__":
    main()
