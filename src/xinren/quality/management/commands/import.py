"""``xinren import FILE [--mode all|valid] [--dry-run] [--report OUT.xlsx] [--as USERNAME]
[--on-match update|fill|skip] [--template NAME]``: the command-line door to the customer
import (:mod:`xinren.quality.imports`: same rules, same report)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from xinren.orgs.models import User
from xinren.quality import imports
from xinren.quality.tasks import import_message


class Command(BaseCommand):
    help = "Import customers (companies, accounts, contacts) from xlsx, xls or CSV."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--mode", default="all", choices=imports.MODES)
        parser.add_argument("--dry-run", action="store_true", help="check only, store nothing")
        parser.add_argument("--report", help="write the row report to this .xlsx or .csv file")
        parser.add_argument(
            "--as", dest="as_user", required=True,
            help="sign-in name of the importing user (rights, scope, business unit)",
        )  # fmt: skip
        parser.add_argument("--on-match", default="update", choices=imports.ON_MATCH)
        parser.add_argument("--template", default="", help="a saved column mapping of that user")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在 / file not found: {path}")
        user = (
            User.objects.select_related("org_unit", "role")
            .filter(username=opts["as_user"], is_active=True)
            .first()
        )
        if user is None:
            raise CommandError(f"用户不存在或已停用 / no active user: {opts['as_user']}")

        def progress(done, total):
            if sys.stderr.isatty():
                self.stderr.write(f"\r{done}/{total}", ending="")

        try:
            result = imports.run_import(
                actor=user, content=path.read_bytes(), filename=path.name, mode=opts["mode"],
                on_match=opts["on_match"], dry_run=opts["dry_run"], template=opts["template"],
                on_progress=progress,
            )  # fmt: skip
        except (imports.ImportFileError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        if opts["report"]:
            out = Path(opts["report"])
            out.write_bytes(
                imports.report_xlsx_bytes(result)
                if out.suffix.lower() != ".csv"
                else imports.report_csv_bytes(result)
            )
        for error in result.errors[:50]:
            self.stderr.write(str(error))
        if len(result.errors) > 50:
            self.stderr.write(
                f"… 另有 {len(result.errors) - 50} 条 / {len(result.errors) - 50} more"
            )
        s = result.summary()
        self.stdout.write(import_message(result))
        self.stdout.write(
            f"rows {s['total']}: created {s['created']}, updated {s['updated']}, "
            f"unchanged {s['unchanged']}, skipped {s['skipped']}, rows with errors "
            f"{s['failed_rows']}; "
            + (
                "dry run, nothing stored"
                if result.dry_run
                else ("stored" if result.applied else "nothing stored")
            )
        )
        if result.errors:
            raise CommandError(
                f"{result.failed_rows} 行有错误 / rows with errors"
                + ("；全部未导入 / nothing imported" if result.mode == "all" else "")
            )
