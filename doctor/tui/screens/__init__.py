"""The TUI's screens: Checks (home), Explain, Tokens, Help, and the settings and save dialogs."""
