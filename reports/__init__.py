"""Reports: what Renkei renders for people outside Slack's blocks, built from storage's plain data.

`reports.excel` writes the Excel progress report (`/report`, the monthly job, `renkei export`). Storage keeps the
queries (`storage.summary`); the rendering lives here.
"""
