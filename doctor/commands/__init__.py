"""Subcommands; each module has NAME, HELP, ORDER, ``configure(parser)`` and ``run(args) -> int``."""
