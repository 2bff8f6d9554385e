"""tests/fakeslack served by a process of its own, for the benchmarks: prints its SLACK_API_URL, serves until ended.

    python benchmarks/_slackserver.py [--delay SECONDS] [--limits '{"failure_rate": 0.05, "seed": 13}']

`--limits` turns Slack's posting limits on (tests.fakeslack.RateLimits; `{}` for its defaults). Besides the Web API,
it answers the benchmark's own questions (GET, JSON):
- /_bench/calls?method=M&since=T: the recorded calls of M that arrived at or after T (time.time());
- /_bench/channels: channel name -> id;
- /_bench/reset: full buckets, and the random failures' sequence from its start;
- /_bench/delay?seconds=S: the answer time from now on (e.g. none while `renkei sync` sets the workspace up).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakeslack import FakeSlack, RateLimits  # noqa: E402

BENCH_PAGE_SIZE = 200  # conversations.list pages as Slack's recommended limit gives them (the tests use 2)


class BenchSlack(FakeSlack):
    """The emulator with the benchmark's read-outs beside the Web API."""

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        if not parts.path.startswith("/_bench/"):
            super()._handle(request)
            return
        query = dict(parse_qsl(parts.query))
        answer: Any
        if parts.path == "/_bench/calls":
            since = float(query.get("since") or 0)
            with self._lock:
                answer = [asdict(c) for c in self.calls if c.method == query.get("method") and c.at >= since]
        elif parts.path == "/_bench/channels":
            with self._lock:
                answer = {c.name: c.id for c in self.channels.values()}
        elif parts.path == "/_bench/delay":
            self.delay = float(query.get("seconds") or 0)
            answer = {"ok": True, "delay": self.delay}
        elif parts.path == "/_bench/reset":
            self.reset_limits()
            answer = {"ok": True}
        else:
            answer = {"ok": False, "error": "unknown"}
        data = json.dumps(answer, ensure_ascii=False, default=list).encode("utf-8")
        request.send_response(200)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every Web API answer")
    parser.add_argument("--limits", default=None, help="RateLimits fields as JSON; absent: no limits")
    args = parser.parse_args()
    limits = RateLimits(**json.loads(args.limits)) if args.limits is not None else None
    fake = BenchSlack(tokens=("xoxb-test", "xapp-test"), rate_limits=limits, delay=args.delay)
    fake.page_size = BENCH_PAGE_SIZE
    print(fake.start(), flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    fake.stop()


if __name__ == "__main__":
    main()
