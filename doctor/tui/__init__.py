"""The Textual terminal UI: a thin shell over the same core as the CLI (launched by doctor.commands.tui)."""
