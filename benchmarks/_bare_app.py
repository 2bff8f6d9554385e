"""The baseline of bench_ack.py: a bare Bolt app that only acks, on waitress with `renkei serve --http`'s settings.

    python benchmarks/_bare_app.py --port N   (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL from the environment)

It answers every slash command and the stand-up's 回答する button with an empty ack and does nothing else, so the
difference to Renkei is Renkei's own work before the ack (and what its other threads take from the same cores).
"""

from __future__ import annotations

import argparse
import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve

# What `renkei serve --http` gives waitress (bot/cli.py, docs/cli.md): 8 threads, requests up to 1 MB.
THREADS = 8
MAX_REQUEST_BYTES = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/issue")
    def issue(ack: Ack) -> None:
        ack()

    @app.action("standup_answer")
    def answer(ack: Ack) -> None:
        ack()

    serve(
        SlackRequestHandler(app),
        host="127.0.0.1",
        port=args.port,
        threads=args.threads,
        ident="bare-bolt",
        max_request_body_size=MAX_REQUEST_BYTES,
    )


if __name__ == "__main__":
    main()
