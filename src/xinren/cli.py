"""``xinren``: Django's management entry point, plus ``serve``, ``worker`` and ``demo``
(implemented as management commands so ``xinren help`` lists them)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
