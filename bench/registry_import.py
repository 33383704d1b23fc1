"""Registry snapshot import: in the request (inline) against the same file as a background
job with progress, and against checking the rows only (the baseline), measured in one run.

    .venv/bin/python bench/registry_import.py [--rows 2000 20000]

- **check**: ``parse_registry_file`` (read the CSV, check every row; nothing written);
- **inline**: ``import_registry`` into an empty registry, as a small file is imported;
- **job**: ``start_registry_import`` with the inline limit lowered so the file goes through
  ``jobs.submit`` (Huey in immediate mode: the task runs in this process), saving the upload
  under the data dir, reporting progress (check then write) and storing the report as the
  job's result; into an empty registry too (the records of the inline run are deleted).

It answers two questions: how long a file of INLINE_MAX_ROWS rows takes in the request
(should stay under the two-second progress-bar rule), and what the job's progress and
bookkeeping cost. SQLite only, in a throwaway data dir (removed).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_csv(rows: int, seed: int = 11) -> bytes:
    sys.path.insert(0, str(ROOT))
    from tests.factories import valid_uscc

    rnd = random.Random(seed)
    lines = ["企业名称,统一社会信用代码,法定代表人,登记状态,注册资本,成立日期,住所,股东,涉诉案件数"]
    for i in range(rows):
        lines.append(
            f"测试{i}号科技有限公司,{valid_uscc()},张{i % 97},存续,{rnd.randint(1, 9000)}万元人民币,"
            f"20{rnd.randint(0, 24):02d}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)},"
            f"上海市浦东新区{i}号,张三(51%);李四(49%),{rnd.randint(0, 5)}"
        )
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, nargs="+", default=[2000, 20000])
    args = p.parse_args()
    data = Path(tempfile.mkdtemp(prefix="xinren-bench-registry-"))
    os.environ.update(XINREN_DATA_DIR=str(data), DATABASE_URL="", XINREN_JOBS_IMMEDIATE="1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinren.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        import datetime as dt

        from xinren.kyc import registry_import as ri
        from xinren.kyc.models import RegistryRecord, RegistrySnapshot
        from xinren.orgs.models import User

        admin = User.objects.create_superuser("bench", password="x")
        as_of = dt.date(2026, 10, 1)
        print(f"{'rows':>7} {'check s':>8} {'inline s':>9} {'job s':>7} "
              f"{'inline/check':>13} {'job/inline':>11}")  # fmt: skip
        for rows in args.rows:
            content = make_csv(rows)
            t = time.perf_counter()
            ri.parse_registry_file(content, "r.csv")
            check = time.perf_counter() - t
            t = time.perf_counter()
            report = ri.import_registry(actor=admin, content=content, filename="r.csv",
                                        source="bench", as_of=as_of)  # fmt: skip
            inline = time.perf_counter() - t
            assert report.applied and report.added == rows
            RegistryRecord.objects.all().delete()
            RegistrySnapshot.objects.all().delete()
            ri.INLINE_MAX_ROWS, keep = 0, ri.INLINE_MAX_ROWS
            t = time.perf_counter()
            _none, job = ri.start_registry_import(actor=admin, content=content,
                                                  filename="r.csv", source="bench",
                                                  as_of=as_of)  # fmt: skip
            job_s = time.perf_counter() - t
            ri.INLINE_MAX_ROWS = keep
            job.refresh_from_db()
            assert job.status == "done" and job.result["added"] == rows, job.message
            RegistryRecord.objects.all().delete()
            RegistrySnapshot.objects.all().delete()
            print(f"{rows:>7} {check:>8.2f} {inline:>9.2f} {job_s:>7.2f} "
                  f"{inline / check:>13.2f} {job_s / inline:>11.2f}")  # fmt: skip
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
