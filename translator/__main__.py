"""``python -m translator``: the ``translator`` command (how ``translator verify`` starts it)."""

from translator.cli import main

main()
