"""``xinren import-registry FILE --as NAME --source TEXT --as-of YYYY-MM-DD [--mode all|valid]``:
the command-line door to :func:`xinren.kyc.registry_import.import_registry` (same rules,
same report). It runs in the foreground, whatever the file's size, printing its progress
(every tenth of the work) on stderr."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinren.core.errors import error_items
from xinren.kyc import registry_import
from xinren.kyc.services import MODES
from xinren.orgs.models import User


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of 应为 YYYY-MM-DD / expected YYYY-MM-DD: {text}") from None


class Command(BaseCommand):
    help = (
        "Import a business-registry snapshot (工商登记) from CSV/Excel: records upserted by USCC."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--as", dest="user", required=True,
            help="sign-in name of the importing user (needs the configure right)",
        )  # fmt: skip
        parser.add_argument("--source", required=True, help="where the data comes from")
        parser.add_argument(
            "--as-of", dest="as_of", required=True, type=_date,
            help="the date the registry data describes (YYYY-MM-DD)",
        )  # fmt: skip
        parser.add_argument("--mode", default="all", choices=MODES)

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在 / file not found: {path}")
        user = User.objects.filter(username=opts["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户不存在或已停用 / no active user: {opts['user']}")
        last = [-1]

        def progress(done, total=None, message=None):
            # One line per tenth of the work (and each new phase): a minute-long import of
            # 100,000 rows says where it is without flooding the terminal.
            if not total:
                return
            tenth = 10 * done // total
            if tenth != last[0]:
                last[0] = tenth
                self.stderr.write(f"{message or ''} {done}/{total} ({10 * tenth}%)")

        try:
            report = registry_import.import_registry(
                actor=user, content=path.read_bytes(), filename=path.name,
                source=opts["source"], as_of=opts["as_of"], mode=opts["mode"],
                on_progress=progress,
            )  # fmt: skip
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "需要配置权限 / configure right needed") from None
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{i['field']}: {i['message']}" for i in error_items(exc))
            ) from None
        for problem in [*report.errors, *report.duplicates][:50]:
            self.stderr.write(str(problem))
        state = "stored" if report.applied else "nothing stored"
        self.stdout.write(
            f"rows {report.total}, added {report.added}, updated {report.updated}, "
            f"unchanged {report.unchanged}, kept newer {report.older}, duplicates "
            f"{len(report.duplicates)}, rows with errors {report.failed_rows}: {state}"
        )
        if report.errors and not report.applied:
            raise CommandError(
                f"{report.failed_rows} 行有错误，全部未导入 / rows with errors, nothing imported"
            )
