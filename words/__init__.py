"""Wording helpers below both commands/ and reports/: dates and durations as people write and read them, people's
names, questionnaires' questions. They know no Slack and no command; they may read storage/ (names, the project file).
"""
