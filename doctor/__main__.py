"""`python -m doctor`: the same as the `openai-doctor` command."""

from doctor.cli import main

raise SystemExit(main())
