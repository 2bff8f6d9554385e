"""Loaded at start-up by every Python process the tests start (the `env` fixture puts this folder first on
PYTHONPATH), so a `renkei` subprocess keeps the clock the suite runs under.

RENKEI_TEST_NOW (an ISO 8601 moment with its offset): the process starts at that moment and its clock ticks on
(time-machine). Unset, nothing changes. The variable exists for the tests only; `renkei` itself never reads it.
"""

import datetime as _dt
import os as _os

if _os.environ.get("RENKEI_TEST_NOW"):
    import time_machine as _time_machine

    _time_machine.travel(_dt.datetime.fromisoformat(_os.environ["RENKEI_TEST_NOW"]), tick=True).start()
