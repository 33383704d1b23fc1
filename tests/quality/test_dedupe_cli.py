"""``xinren dedupe``: summary, CSV report (formula-safe), scoped report with --user, and a
non-zero exit with a clear message on bad input (nothing stored)."""

from __future__ import annotations

import csv
import io
import sys

import pytest
from django.db import connections
from django.utils import translation

from tests import factories
from xinren import cli
from xinren.customers.models import Company
from xinren.quality.matching import reason_label
from xinren.quality.models import DedupeRun, DuplicatePair

from .dedupe_data import make_companies


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def companies(rep):
    return make_companies(rep)


def xinren(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Run ``xinren <args>`` as the console script does; (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["xinren", *args])
    # A command run from the command line closes the database connections when it ends;
    # here that would be the test's own (its transaction, on PostgreSQL).
    monkeypatch.setattr(connections, "close_all", lambda: None)
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_summary_and_report(monkeypatch, capsys, tmp_path, companies):
    report = tmp_path / "pairs.csv"
    code, out, err = xinren(monkeypatch, capsys, "dedupe", "--report", str(report))
    assert code == 0, err
    run = DedupeRun.objects.get()
    assert f"companies {len(companies)}" in out
    assert f"pairs found {run.pairs_found}, new {run.pairs_new}" in out
    with translation.override("zh-hans"):
        label = reason_label("same_name")
    assert f"same_name ({label}): " in out and "same_phone" in out
    assert "100%" in err  # the progress line
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["score", "status", "reasons"]
    assert len(rows) - 1 == DuplicatePair.objects.count() == run.pairs_found >= 2
    names = {(r[4], r[8]) for r in rows[1:]}
    hw = sorted((companies["hw_sh"], companies["hw_br"]), key=lambda c: c.pk)
    assert (hw[0].name, hw[1].name) in names
    scores = [int(r[0]) for r in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    # A second run finds the same pairs, none new.
    code, out, _ = xinren(monkeypatch, capsys, "dedupe", "--threshold", "70")
    assert code == 0 and f"pairs found {run.pairs_found}, new 0" in out


def test_report_cells_are_formula_safe(monkeypatch, capsys, tmp_path, rep):
    first = factories.make_customer(rep, name="=HYPERLINK(1)科技有限公司", phone="13900002222")
    Company.objects.filter(pk=first.company_id).update(uscc=None)  # entered without a USCC
    factories.make_customer(rep, name="=HYPERLINK(1)科技（北京）有限公司", phone="13900002222")
    report = tmp_path / "pairs.csv"
    code, _, err = xinren(monkeypatch, capsys, "dedupe", "--report", str(report))
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][4].startswith("'=HYPERLINK") and rows[1][8].startswith("'=HYPERLINK")


def test_report_with_a_user_is_scoped(monkeypatch, capsys, tmp_path, org, companies):
    factories.make_user(org.b_sales, "department_head", username="stranger")
    report = tmp_path / "mine.csv"
    code, _, err = xinren(monkeypatch, capsys, "dedupe", "--user", "stranger", "--report", str(report))  # fmt: skip
    assert code == 0, err
    assert DuplicatePair.objects.count() >= 2
    assert report.read_text(encoding="utf-8-sig").strip().count("\n") == 0  # header only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "abc"], "threshold (range)"),
        (["--threshold", "20"], "threshold (range)"),
        (["--report", "/nonexistent-dir/x.csv"], "folder does not exist"),
        (["--report", "pairs.xlsx"], "must end in .csv"),
        (["--user", "nobody"], "no active user"),
        (["--user", "rep"], "合并"),  # a sales rep has no merge right
    ],
)
def test_bad_input_exits_non_zero_and_stores_nothing(monkeypatch, capsys, companies, args, message):
    code, out, err = xinren(monkeypatch, capsys, "dedupe", *args)
    assert code != 0 and message in err and "pairs found" not in out
    assert not DedupeRun.objects.exists() and not DuplicatePair.objects.exists()
