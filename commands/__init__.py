"""Slash command families: parse text, call storage, return a Reply. No Slack imports here."""
