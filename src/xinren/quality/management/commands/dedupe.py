"""``xinren dedupe [--threshold N] [--report OUT.csv] [--user NAME]``: batch duplicate
detection over the whole golden master, run here and now (no worker needed), with the same
rules as the page's job: pairs stored for the review queue, decisions remembered.

Without ``--user`` it runs as the system (whoever can run this command can read the database
anyway) and the report lists every pair; with ``--user`` the user needs the merge right and
the report lists only pairs whose two companies that user can see."""

from __future__ import annotations

import csv
import os
import sys
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from xinren.core.errors import error_items
from xinren.core.exports import safe_cell
from xinren.customers.models import Company
from xinren.orgs.models import User
from xinren.quality import selectors_dedupe, services_dedupe
from xinren.quality.matching import reason_label
from xinren.quality.models import DuplicatePair

REPORT_HEADER = [
    "score", "status", "reasons",
    "company_a_id", "company_a_name", "company_a_uscc", "company_a_region",
    "company_b_id", "company_b_name", "company_b_uscc", "company_b_region",
    "suggested_survivor_id", "note",
]  # fmt: skip
CHUNK = 2000


def _fail(exc: ValidationError) -> CommandError:
    return CommandError(
        "; ".join(f"{e['field']} ({e['rule']}): {e['message']}" for e in error_items(exc))
    )


def write_report(path: Path, pairs) -> int:
    """The pairs as CSV (UTF-8 with BOM for Excel; formula-safe cells), read in chunks."""
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_HEADER)
        it = pairs.iterator(chunk_size=CHUNK)
        while chunk := list(islice(it, CHUNK)):
            ids = {p.company_a_id for p in chunk} | {p.company_b_id for p in chunk}
            companies = Company.objects.in_bulk(ids)
            for p in chunk:
                a, b = companies.get(p.company_a_id), companies.get(p.company_b_id)
                if a is None or b is None:
                    continue
                survivor, _other = selectors_dedupe.suggest_survivor(a, b)
                reasons = " / ".join(reason_label(r.get("code", "")) for r in p.reasons)
                writer.writerow(
                    [safe_cell(v) for v in (
                        p.score, p.status, reasons,
                        a.pk, a.name, a.uscc or "", a.region_code,
                        b.pk, b.name, b.uscc or "", b.region_code,
                        survivor.pk, p.note,
                    )]
                )  # fmt: skip
                rows += 1
    return rows


class Command(BaseCommand):
    help = "Find duplicate companies across the whole customer master (batch detection)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--threshold", help="score a pair needs, 50–100 (default: the engine's default)"
        )
        parser.add_argument("--report", help="write the pairs to this .csv file")
        parser.add_argument(
            "--user", help="run as this user (needs the merge right; scopes the report)"
        )

    def handle(self, *args, **opts):
        with translation.override(settings.LANGUAGE_CODE):  # no user here: the site's language
            self._handle(opts)

    def _check_report(self, value: str | None) -> Path | None:
        if not value:
            return None
        path = Path(value)
        if path.suffix.lower() != ".csv":
            raise CommandError(f"报告文件必须是 .csv / --report must end in .csv: {path}")
        if path.is_dir():
            raise CommandError(f"报告路径是一个目录 / --report is a directory: {path}")
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise CommandError(f"目录不存在 / --report folder does not exist: {folder}")
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise CommandError(f"无法写入 / --report is not writable: {path}")
        return path

    def _handle(self, opts):
        try:
            threshold = services_dedupe.clean_threshold(opts["threshold"])
        except ValidationError as exc:
            raise _fail(exc) from None
        report = self._check_report(opts["report"])
        user = None
        if opts["user"]:
            user = (
                User.objects.select_related("role", "org_unit")
                .filter(username=opts["user"], is_active=True)
                .first()
            )
            if user is None:
                raise CommandError(f"用户不存在或已停用 / no active user: {opts['user']}")
        tty = sys.stderr.isatty()
        last = [-1]

        def progress(done: int, total: int, message: str = "") -> None:
            percent = 100 * done // total if total else 100
            if tty:
                self.stderr.write(f"\r{percent:3d}% {message}", ending="")
            elif percent // 10 != last[0]:  # a line per 10 % in a log
                last[0] = percent // 10
                self.stderr.write(f"{percent:3d}% {message}")

        try:
            run = services_dedupe.run_detection(
                actor=user, threshold=threshold, on_progress=progress
            )
        except ValidationError as exc:
            raise _fail(exc) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        if tty:
            self.stderr.write("")
        params = run.parameters
        self.stdout.write(
            f"companies {run.companies}, pairs compared {run.compared}, "
            f"pairs found {run.pairs_found}, new {run.pairs_new}, "
            f"decided before (kept) {params.get('remembered', 0)}, "
            f"no longer found (removed) {params.get('removed', 0)}, threshold {threshold}"
        )
        for code, count in sorted(params.get("by_reason", {}).items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {code} ({reason_label(code)}): {count}")
        if report is not None:
            pairs = (
                selectors_dedupe.review_pairs(user)
                if user is not None
                else DuplicatePair.objects.order_by("-score", "pk")
            )
            rows = write_report(report, pairs)
            self.stdout.write(f"report: {report} ({rows} pairs)")
