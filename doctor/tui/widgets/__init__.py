"""Widgets of the TUI: each draws one piece of the core's data and knows nothing of the others."""
