"""``xinren export LIST --as USERNAME [--format csv|xlsx] [--output FILE] [KEY=VALUE …]``:
write a list exactly as that user sees it (scope, masking, the export right), with the list
page's filters given as KEY=VALUE (e.g. ``status=deal region=440300``). Prints the rows and
the file; exits non-zero with a clear message on bad input. Same service as the pages and the
API (:mod:`xinren.quality.exporting`), audited as "cli"."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinren.core.errors import error_items
from xinren.orgs.models import User
from xinren.quality import exporting


class Command(BaseCommand):
    help = "Export a list (customers, contracts, orders, milestones, receipts, interactions) as one user sees it."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.parse_args = parser.parse_intermixed_args  # KEY=VALUE may follow the options
        return parser

    def add_arguments(self, parser):
        parser.add_argument("list", help="、".join(exporting.lists()))
        parser.add_argument(
            "--as", dest="as_user", required=True, help="sign-in name: whose scope and rights"
        )
        parser.add_argument("--format", choices=None, help="csv (default) or xlsx")
        parser.add_argument(
            "--output", "-o", help="file to write (default: ./xinren-LIST-TIME.FMT)"
        )
        parser.add_argument(
            "filters", nargs="*", metavar="KEY=VALUE", help="the list page's filters"
        )

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户不存在或已停用 / no active user: {opts['as_user']}")
        data = {}
        for item in opts["filters"]:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"筛选条件须写成 KEY=VALUE / filters are KEY=VALUE: {item}")
            data[key.strip()] = value
        fmt = opts["format"]
        output = Path(opts["output"]) if opts["output"] else None
        if fmt is None and output is not None and output.suffix.lower() in (".csv", ".xlsx"):
            fmt = output.suffix.lower()[1:]
        try:
            prepared = exporting.prepare(user, opts["list"], fmt, data)
        except ValidationError as exc:
            raise CommandError(
                "；".join(f"{e['field']}：{e['message']}（{e['rule']}）" for e in error_items(exc))
            ) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        output = output or Path.cwd() / prepared.filename
        folder = output.parent if str(output.parent) else Path.cwd()
        if output.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
            raise CommandError(f"无法写入文件 / cannot write: {output}")
        if output.exists() and not os.access(output, os.W_OK):
            raise CommandError(f"无法写入文件 / cannot write: {output}")

        def progress(done: int) -> None:
            if sys.stderr.isatty():
                self.stderr.write(f"\r{done}/{prepared.count}", ending="")

        try:
            rows = exporting.write_file(prepared, output, on_row=progress)
        except OSError as exc:
            output.unlink(missing_ok=True)
            raise CommandError(f"无法写入文件 / cannot write: {output} ({exc.strerror})") from None
        exporting.record(prepared, "cli", rows=rows)
        if sys.stderr.isatty():
            self.stderr.write("")
        self.stdout.write(
            f"{prepared.spec.name}: {rows} rows / 行 → {output} ({prepared.fmt}, as {user.username})"
        )
