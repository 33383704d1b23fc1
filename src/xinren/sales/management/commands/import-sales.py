"""``xinren import-sales FILE --kind orders|receipts|milestones --user NAME [--dry-run]
[--mode all|valid] [--report OUT.csv|OUT.xlsx]``: the command-line door to
:mod:`xinren.sales.imports` (same rules, same report)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from xinren.orgs.models import User
from xinren.sales import imports


class Command(BaseCommand):
    help = "Import orders, payment milestones or receipts from CSV/Excel (an ERP export)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=imports.KINDS)
        parser.add_argument(
            "--user", required=True, help="sign-in name of the importing user (rights, scope)"
        )
        parser.add_argument("--mode", default="all", choices=imports.MODES)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--report", help="write the row report to this .csv or .xlsx file")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在 / file not found: {path}")
        user = User.objects.filter(username=opts["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户不存在或已停用 / no active user: {opts['user']}")
        total = {"n": 0}

        def progress(done, count):
            total["n"] = count
            if sys.stderr.isatty():
                self.stderr.write(f"\r{done}/{count}", ending="")

        try:
            result = imports.run_import(
                actor=user,
                kind=opts["kind"],
                content=path.read_bytes(),
                filename=path.name,
                mode=opts["mode"],
                dry_run=opts["dry_run"],
                on_progress=progress,
            )
        except imports.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        if opts["report"]:
            out = Path(opts["report"])
            data = (
                imports.error_report_xlsx(result)
                if out.suffix.lower() == ".xlsx"
                else imports.error_report_csv(result)
            )
            out.write_bytes(data)
        for error in result.errors[:50]:
            self.stderr.write(str(error))
        if len(result.errors) > 50:
            self.stderr.write(
                f"… {len(result.errors) - 50} more / 另有 {len(result.errors) - 50} 条"
            )
        state = (
            "dry run, nothing stored"
            if result.dry_run
            else ("stored" if result.applied else "nothing stored")
        )
        self.stdout.write(
            f"rows {result.total}, created {result.created}, skipped (already present) "
            f"{result.skipped}, rows with errors {result.failed_rows}: {state}"
        )
        if result.errors:
            raise CommandError(
                f"{result.failed_rows} 行有错误 / rows with errors"
                + ("；全部未导入 / nothing imported" if result.mode == "all" else "")
            )
