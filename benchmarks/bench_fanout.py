"""One stand-up firing to 200 department channels through Slack's rate limits, against the least time they allow.

Run by hand (never in the test suite):

    .venv/bin/python benchmarks/bench_fanout.py                    # 200 channels, Slack's limits, 5 % random failures
    .venv/bin/python benchmarks/bench_fanout.py --latency 0 --failure-rate 0   # the limits alone

From the outside, as an operator would: a renkei.yml of one project (`city`) of `--departments` departments, a fake
Slack in its own process (tests/fakeslack with RateLimits on, benchmarks/_slackserver.py), `renkei sync` to make the
channels in it, then, timed, `renkei jobs run standup:city --at <a business day>T09:30` (the firing the scheduler
runs at 09:30; a new SQLite file each run, so it is never a duplicate).

The fake Slack's limits on chat.postMessage (tests/fakeslack RateLimits; Slack documents about 1 message per second
per channel with short bursts tolerated, and "several hundred messages per minute" for a workspace):
- per channel: 1 per second, a burst of 3;
- workspace: 300 per minute (5 per second), a burst of 50;
- beyond either: 429 with Retry-After (whole seconds), the post not counted;
- `--failure-rate` (5 %) of the posts within the limits answered at random (seeded) 429 (Retry-After 1) or 500;
- every call answered after `--latency` seconds (0.1: roughly Slack's own answer time; loopback is instant).

The lower bound: from full buckets, 200 posts need (200 - 50) / 5 = 30 s of the workspace's budget (one post per
channel never meets the channel limit); random failures and latency are not in it. Printed: the command's wall time
(Python start-up included), the span from the first accepted post to the last, both against the bound; then the
checks: every channel got the prompt (accepted by Slack), none twice, and what the attempts met.

Target (issue 13): within 1.2x the bound, nothing lost, nothing twice.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    channel_of,
    load_average,
    machine_lines,
    median,
    query,
    renkei_env,
    run_renkei,
    start_slack,
    sync_workspace,
    write_project,
)

from tests.fakeslack import RateLimits  # noqa: E402

ANSWER_BUTTON = "standup_answer"  # commands/standup.py: the prompt's 回答する, which marks a stand-up prompt
TARGET = 1.2


def is_prompt(call: dict) -> bool:
    return ANSWER_BUTTON in json.dumps(call["params"].get("blocks"), ensure_ascii=False)


def gaps(calls: list[dict]) -> dict[str, list[float]]:
    """The time from each attempt's arrival to the next attempt's, by what the attempt was answered.

    For a sender that posts one at a time this is where its time goes: after an accepted post, its own work and
    Slack's answer time; after a 429 or a 500, the wait before retrying.
    """
    ordered = sorted(calls, key=lambda c: c["at"])
    found: dict[str, list[float]] = {}
    for this, following in zip(ordered, ordered[1:]):
        kind = "accepted" if this["status"] == 200 and this["ok"] else str(this["status"])
        found.setdefault(kind, []).append(following["at"] - this["at"])
    return found


def most_in_flight(calls: list[dict], latency: float) -> int:
    """The most attempts Slack was answering at once (each takes `latency`); 1 for a sender one at a time."""
    if latency <= 0:
        return 0
    edges = sorted([(c["at"], 1) for c in calls] + [(c["at"] + latency, -1) for c in calls])
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--at", default="2026-12-01T09:30", help="the firing to run (a business day, local time)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds every Slack call takes (default 0.1)")
    parser.add_argument("--failure-rate", type=float, default=0.05, help="random 429/500 share of posts (default 0.05)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-channel-per-second", type=float, default=1.0)
    parser.add_argument("--per-channel-burst", type=int, default=3)
    parser.add_argument("--workspace-per-minute", type=float, default=300.0)
    parser.add_argument("--workspace-burst", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs) and say where")
    args = parser.parse_args()

    limits = RateLimits(
        per_channel_per_second=args.per_channel_per_second,
        per_channel_burst=args.per_channel_burst,
        workspace_per_minute=args.workspace_per_minute,
        workspace_burst=args.workspace_burst,
        failure_rate=args.failure_rate,
        seed=args.seed,
    )
    for line in machine_lines():
        print(line)
    print(
        f"fan-out: standup:city @ {args.at} to {args.departments} channels; limits: per channel "
        f"{limits.per_channel_per_second:g}/s (burst {limits.per_channel_burst}), workspace "
        f"{limits.workspace_per_minute:g}/min (burst {limits.workspace_burst}); random 429/500 "
        f"{limits.failure_rate:.0%} (seed {limits.seed}); Slack's answer time {args.latency * 1000:g} ms"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench_fanout_"))
    write_project(folder, args.departments, standup=True)
    fields = {k: getattr(limits, k) for k in ("per_channel_per_second", "per_channel_burst", "workspace_per_minute")}
    fields |= {k: getattr(limits, k) for k in ("workspace_burst", "failure_rate", "seed")}
    slack = start_slack(folder, limits=fields)  # no answer time while sync sets the workspace up
    ok = False
    try:
        env = renkei_env(folder, slack.url)
        sync_workspace(env, folder)
        channels = slack.channels()
        wanted = {channels[channel_of(d)] for d in range(args.departments)}
        bound = limits.lower_bound({channel: 1 for channel in wanted})

        slack.set_delay(args.latency)
        slack.reset_limits()  # full buckets: the bound assumes them
        mark = time.time()
        started = time.perf_counter()
        fired = run_renkei(["jobs", "run", "standup:city", "--at", args.at], env, folder)
        elapsed = time.perf_counter() - started
        calls = slack.calls("chat.postMessage", since=mark)
        accepted = [c for c in calls if c["status"] == 200 and c["ok"] and is_prompt(c)]
        per_channel = Counter(str(c["params"].get("channel")) for c in accepted)
        missing = sorted(wanted - per_channel.keys())
        twice = sorted(c for c, n in per_channel.items() if n > 1)
        answers = Counter(c["status"] if c["status"] != 200 or c["ok"] else f"200 {c['error']}" for c in calls)
        span = max(c["at"] for c in accepted) - min(c["at"] for c in accepted) if accepted else float("nan")
        try:
            outbox = dict(query(folder, "SELECT status, COUNT(*) FROM outboxmessage GROUP BY status"))
        except sqlite3.Error:  # the outbox's table is the bot's business: shown when it is there
            outbox = {}

        print()
        print(f"renkei jobs run: exit {fired.returncode}, {elapsed:.1f} s; it said: {fired.stdout.strip()[-300:]}")
        print(f"attempts: {len(calls)} chat.postMessage ({', '.join(f'{k}: {v}' for k, v in sorted(answers.items(), key=str))})")
        if outbox:
            print(f"outbox rows after the command: {outbox}")
        spent = gaps(calls)
        print(
            "time from an attempt to the next: "
            + ", ".join(
                f"after {kind} {len(v)}x, {sum(v):.1f} s in all (median {median(v) * 1000:.0f} ms)" for kind, v in spent.items()
            )
        )
        if args.latency > 0:
            print(f"attempts in flight at once, at most: {most_in_flight(calls, args.latency)}")
        print(f"lower bound from the limits: {bound:.1f} s")
        print(f"elapsed (the command, start-up included): {elapsed:.1f} s = {elapsed / bound:.2f}x the bound")
        print(f"first to last accepted post: {span:.1f} s = {span / bound:.2f}x the bound")
        print(
            f"prompts accepted: {len(wanted) - len(missing)}/{len(wanted)} channels, missing {len(missing)}, twice {len(twice)}"
        )
        lost = bool(missing or twice)
        print(f"nothing lost, nothing twice: {'yes' if not lost else 'NO'}")
        ok = not lost and elapsed <= TARGET * bound
        print(f"target (within {TARGET}x the bound, nothing lost or twice): {'met' if ok else 'NOT met'}")
        print(f"load average at the end: {load_average()}")
    finally:
        slack.stop()
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
