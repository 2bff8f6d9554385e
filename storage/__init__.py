"""Storage: models, engine and sessions, migrations, queries. Imports nothing of bot/commands/reminders."""
