"""Importing a registry snapshot: rules per row, encodings, duplicates, the two modes,
capital/status/shareholder parsing, re-import updates and older snapshots."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests import factories
from xinren.kyc.models import RegistryRecord, RegistrySnapshot
from xinren.kyc.registry_import import (
    import_registry,
    parse_count,
    parse_shareholders,
    parse_status,
)

from .conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["企业名称", "统一社会信用代码", "法定代表人", "登记状态", "注册资本", "成立日期",
          "住所", "股东", "涉诉案件数"]  # fmt: skip
TODAY = dt.date(2026, 11, 1)


def row(
    name,
    uscc,
    *,
    rep="张三",
    status="存续",
    capital="500万元人民币",
    founded="2016-03-01",
    address="上海市浦东新区世纪大道 1 号",
    holders="张三(51%);李四(49%)",
    lawsuits="0",
):
    return [name, uscc, rep, status, capital, founded, address, holders, lawsuits]


def _import(
    actor, content, *, mode="all", as_of=TODAY, source="国家企业信用信息公示系统", filename="r.csv"
):
    return import_registry(actor=actor, content=content, filename=filename, source=source,
                           as_of=as_of, mode=mode)  # fmt: skip


def test_a_good_file_is_stored_with_every_field_parsed(configurer):
    a, b = factories.valid_uscc(), factories.valid_uscc()
    content = csv_bytes([
        HEADER,
        row("上海云帆贸易有限公司", a),
        row("杭州明远科技有限公司", b.lower(), rep="王五", status="存续（在营、开业、在册）",
            capital="¥5000000元", founded="2019年5月6日", holders="王五（100%）", lawsuits="4件"),
    ])  # fmt: skip
    report = _import(configurer, content)
    assert report.applied and (report.added, report.updated, report.failed_rows) == (2, 0, 0)
    snap = RegistrySnapshot.objects.get()
    assert (snap.source, snap.as_of, snap.record_count, snap.imported_by) == (
        "国家企业信用信息公示系统",
        TODAY,
        2,
        configurer,
    )
    first = RegistryRecord.objects.get(uscc=a)
    assert first.name == "上海云帆贸易有限公司" and first.name_key == "云帆贸易"
    assert (first.legal_rep, first.status) == ("张三", "active")
    assert first.registered_capital == Decimal("5000000.00")
    assert first.established_on == dt.date(2016, 3, 1)
    assert first.shareholders == [{"name": "张三", "share_percent": "51.00"},
                                  {"name": "李四", "share_percent": "49.00"}]  # fmt: skip
    assert first.snapshot == snap and first.lawsuit_count == 0
    second = RegistryRecord.objects.get(uscc=b)  # lower case normalised
    assert second.registered_capital == Decimal("5000000.00")
    assert second.established_on == dt.date(2019, 5, 6)
    assert second.shareholders == [{"name": "王五", "share_percent": "100.00"}]
    assert second.lawsuit_count == 4


@pytest.mark.parametrize(
    ("text", "status"),
    [("存续", "active"), ("在业", "active"), ("开业", "active"), ("在营", "active"),
     ("存续（在营、开业、在册）", "active"), ("注销", "cancelled"), ("吊销", "revoked"),
     ("吊销，未注销", "revoked"), ("停业", "suspended"), ("清算", "liquidating"),
     ("迁出", "moved_out"), (" 注销 ", "cancelled"), ("撤销", None), ("营业中", None)],
)  # fmt: skip
def test_status_words(text, status):
    assert parse_status(text) == status


def test_shareholders_and_counts():
    assert parse_shareholders("华为技术（上海）有限公司(30%)；张三 70%") == [
        {"name": "华为技术(上海)有限公司", "share_percent": "30.00"},
        {"name": "张三", "share_percent": "70.00"},
    ]
    assert parse_shareholders("张三、李四") == [
        {"name": "张三", "share_percent": None},
        {"name": "李四", "share_percent": None},
    ]
    assert parse_shareholders("") == []
    with pytest.raises(ValueError, match="超过 100%"):
        parse_shareholders("张三(60%);李四(50%)")
    assert parse_count("3") == 3 and parse_count("12 件") == 12 and parse_count("0") == 0
    for bad in ("-1", "三", "1.5"):
        with pytest.raises(ValueError):
            parse_count(bad)


def test_malformed_rows_refuse_the_whole_file_by_default(configurer):
    good = factories.valid_uscc()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    content = csv_bytes([
        HEADER,
        row("甲公司", good),
        row("乙公司", wrong_check),
        row("", factories.valid_uscc()),
        row("丁公司", factories.valid_uscc(), status="营业中"),
        row("戊公司", factories.valid_uscc(), capital="100万美元"),
        row("己公司", factories.valid_uscc(), founded="2025/13/45"),
        row("庚公司", factories.valid_uscc(), holders="张三(80%);李四(30%)"),
        row("辛公司", factories.valid_uscc(), lawsuits="很多"),
        row("壬公司", ""),
    ])  # fmt: skip
    report = _import(configurer, content)
    assert not report.applied and report.snapshot is None
    assert RegistrySnapshot.objects.count() == 0 and RegistryRecord.objects.count() == 0
    assert {(e.row, e.column, e.rule) for e in report.errors} == {
        (3, "统一社会信用代码", "uscc_check"),
        (4, "企业名称", "required"),
        (5, "登记状态", "status"),
        (6, "注册资本", "capital"),
        (7, "成立日期", "date"),
        (8, "股东", "shareholders"),
        (9, "涉诉案件数", "count"),
        (10, "统一社会信用代码", "required"),
    }
    assert "第 3 行 统一社会信用代码" in str(report.errors[0])


def test_valid_mode_stores_the_good_rows_and_reports_the_rest(configurer):
    good = factories.valid_uscc()
    content = csv_bytes([HEADER, row("甲公司", good), row("乙公司", "12345")])
    report = _import(configurer, content, mode="valid")
    assert report.applied and report.added == 1 and report.failed_rows == 1
    assert report.errors[0].rule == "uscc_length"
    assert list(RegistryRecord.objects.values_list("uscc", flat=True)) == [good]
    assert RegistrySnapshot.objects.get().record_count == 1


@pytest.mark.parametrize(
    ("encoding", "bom"), [("gbk", False), ("gb18030", False), ("utf-8", True), ("utf-8", False)]
)
def test_encodings(configurer, encoding, bom):
    uscc = factories.valid_uscc()
    content = csv_bytes([HEADER, row("华为技术（上海）有限公司", uscc, status="吊销，未注销")],
                        encoding=encoding, bom=bom)  # fmt: skip
    report = _import(configurer, content)
    assert report.applied, report.errors
    record = RegistryRecord.objects.get()
    assert (record.name, record.status, record.legal_rep) == (
        "华为技术（上海）有限公司",
        "revoked",
        "张三",
    )


def test_excel_with_published_headers(configurer):
    from openpyxl import Workbook

    uscc = factories.valid_uscc()
    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "统一社会信用代码", "法定代表人", "经营状态", "注册资本(万元)",
                  "成立日期", "注册地址", "股东信息", "诉讼数量"])  # fmt: skip
    sheet.append(["宁波海曙恒通物流有限公司", uscc, "赵六", "在业", "300万", dt.date(2012, 7, 9),
                  "宁波市海曙区", "赵六(60%);钱七(40%)", 2])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    report = _import(configurer, out.getvalue(), filename="registry.xlsx")
    assert report.applied, report.errors
    record = RegistryRecord.objects.get()
    assert record.registered_capital == Decimal("3000000.00")
    assert record.established_on == dt.date(2012, 7, 9) and record.lawsuit_count == 2


def test_duplicates_are_merged_and_reported(configurer):
    uscc = factories.valid_uscc()
    content = csv_bytes([HEADER, row("甲公司", uscc), row("甲公司（重复）", uscc.lower())])
    report = _import(configurer, content)
    assert report.applied and report.added == 1 and not report.errors
    [dup] = report.duplicates
    assert (dup.row, dup.column, dup.rule) == (3, "统一社会信用代码", "duplicate")
    assert "第 2 行" in dup.message
    assert RegistryRecord.objects.get().name == "甲公司"


def test_reimport_updates_and_older_snapshots_do_not_overwrite(configurer):
    a, b = factories.valid_uscc(), factories.valid_uscc()
    _import(configurer, csv_bytes([HEADER, row("甲公司", a), row("乙公司", b)]))
    again = _import(configurer, csv_bytes([HEADER, row("甲公司", a), row("乙公司", b)]),
                    as_of=TODAY + dt.timedelta(days=1))  # fmt: skip
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    later = TODAY + dt.timedelta(days=2)
    changed = _import(
        configurer, csv_bytes([HEADER, row("甲公司", a, status="注销", lawsuits="5")]), as_of=later
    )
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 0)
    record = RegistryRecord.objects.get(uscc=a)
    assert (record.status, record.lawsuit_count, record.snapshot.as_of) == ("cancelled", 5, later)
    assert RegistryRecord.objects.get(uscc=b).snapshot.as_of == TODAY + dt.timedelta(days=1)
    # an older file (a late upload of last month's data) does not undo newer facts
    old = _import(configurer, csv_bytes([HEADER, row("甲公司", a)]), as_of=TODAY)
    assert old.applied and (old.older, old.updated) == (1, 0)
    assert RegistryRecord.objects.get(uscc=a).status == "cancelled"
    assert RegistrySnapshot.objects.count() == 4


def test_rights_fields_and_unreadable_files(configurer, org):
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    content = csv_bytes([HEADER, row("甲公司", factories.valid_uscc())])
    with pytest.raises(PermissionDenied):
        _import(rep, content)
    with pytest.raises(ValidationError) as exc:
        _import(configurer, content, source=" ", as_of=timezone.localdate() + dt.timedelta(1))
    assert {f: e[0].code for f, e in exc.value.error_dict.items()} == {
        "source": "required",
        "as_of": "future",
    }
    with pytest.raises(ValidationError) as exc:
        _import(configurer, csv_bytes([["名称", "法定代表人"], ["甲公司", "张三"]]))
    assert exc.value.error_dict["file"][0].code == "file"
    assert "统一社会信用代码" in exc.value.error_dict["file"][0].message
    with pytest.raises(ValidationError):
        _import(configurer, csv_bytes([HEADER]))
    assert RegistrySnapshot.objects.count() == 0


def test_command(configurer, tmp_path):
    path = tmp_path / "registry.csv"
    uscc = factories.valid_uscc()
    path.write_bytes(csv_bytes([HEADER, row("甲公司", uscc)], encoding="gbk"))
    out = io.StringIO()
    call_command("import-registry", str(path), "--as", configurer.username, "--source",
                 "公示系统", "--as-of", "2026-10-01", stdout=out)  # fmt: skip
    assert "added 1" in out.getvalue()
    assert RegistryRecord.objects.get(uscc=uscc).snapshot.as_of == dt.date(2026, 10, 1)
    path.write_bytes(csv_bytes([HEADER, row("乙公司", "123")]))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import-registry", str(path), "--as", configurer.username, "--source",
                     "公示系统", "--as-of", "2026-10-01", stderr=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("import-registry", str(path), "--as", configurer.username, "--source",
                     "x", "--as-of", "1.10.2026")  # fmt: skip


# --- large files: a background job with progress ---------------------------------------------
@pytest.fixture
def as_job(settings, tmp_path, monkeypatch):
    """Every file counts as large (imported by the worker, run eagerly under pytest), and the
    data dir is a temporary folder so the saved upload can be seen removed."""
    from xinren.kyc import registry_import

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(registry_import, "INLINE_MAX_ROWS", 1)
    return tmp_path / "imports"


def _start(actor, content, *, mode="all"):
    from xinren.kyc.registry_import import start_registry_import

    return start_registry_import(actor=actor, content=content, filename="r.csv",
                                 source="公示系统", as_of=TODAY, mode=mode)  # fmt: skip


def test_a_small_file_is_imported_at_once_without_a_job(configurer, settings, tmp_path):
    from xinren.jobs.models import JobRun

    settings.MEDIA_ROOT = tmp_path
    report, job = _start(configurer, csv_bytes([HEADER, row("甲公司", factories.valid_uscc())]))
    assert job is None and report.applied and report.added == 1
    assert not JobRun.objects.exists() and not (tmp_path / "imports").exists()


def test_a_large_file_is_a_job_whose_result_is_the_report(configurer, as_job):
    from xinren.jobs.models import JobStatus

    a, b = factories.valid_uscc(), factories.valid_uscc()
    content = csv_bytes([HEADER, row("甲公司", a), row("乙公司", b), row("甲公司", a)])
    report, job = _start(configurer, content)
    assert report is None
    job.refresh_from_db()
    assert (job.kind, job.status, job.created_by) == ("kyc_registry_import", JobStatus.DONE,
                                                     configurer)  # fmt: skip
    # progress counted rows checked then rows written: 3 rows → 6 steps, all done
    assert (job.done, job.total, job.percent) == (6, 6, 100)
    result = job.result
    assert (result["applied"], result["total"], result["added"], result["failed_rows"]) == (
        True, 3, 2, 0,
    )  # fmt: skip
    assert [(d["row"], d["rule"]) for d in result["duplicates"]] == [(4, "duplicate")]
    snap = RegistrySnapshot.objects.get()
    assert result["snapshot_id"] == snap.pk and snap.record_count == 2
    assert "已导入" in result["message"]
    assert list(as_job.iterdir()) == []  # the saved upload is removed


def test_a_refused_all_or_nothing_job_keeps_the_row_report(configurer, as_job):
    good = factories.valid_uscc()
    content = csv_bytes([HEADER, row("甲公司", good), row("乙公司", "123", status="不明")])
    _report, job = _start(configurer, content)
    job.refresh_from_db()
    assert job.status == "done" and job.result["applied"] is False
    assert {(e["row"], e["column"], e["rule"]) for e in job.result["errors"]} == {
        (3, "统一社会信用代码", "uscc_length"),
        (3, "登记状态", "status"),
    }
    assert job.result["failed_rows"] == 1 and "没有导入任何数据" in job.result["message"]
    assert not RegistryRecord.objects.exists() and not RegistrySnapshot.objects.exists()
    assert list(as_job.iterdir()) == []
    # valid rows only: the good one stored, the bad one still reported
    _report, job = _start(configurer, content, mode="valid")
    job.refresh_from_db()
    assert (job.result["applied"], job.result["added"], job.result["failed_rows"]) == (True, 1, 1)
    assert RegistryRecord.objects.get().uscc == good


def test_a_large_unreadable_file_ends_the_job_with_the_file_error(configurer, as_job):
    content = csv_bytes([["名称", "法定代表人"], ["甲公司", "张三"], ["乙公司", "李四"]])
    _report, job = _start(configurer, content)
    job.refresh_from_db()
    assert job.status == "done" and job.result["applied"] is False
    assert "统一社会信用代码" in job.result["file_error"]
    assert list(as_job.iterdir()) == []


def test_rights_and_fields_are_refused_before_any_job(configurer, org, as_job):
    from xinren.jobs.models import JobRun

    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    content = csv_bytes([HEADER, row("甲公司", factories.valid_uscc()), row("乙", "1")])
    with pytest.raises(PermissionDenied):
        _start(rep, content)
    from xinren.kyc.registry_import import start_registry_import

    with pytest.raises(ValidationError) as exc:
        start_registry_import(actor=configurer, content=content, filename="r.csv", source="",
                              as_of=TODAY)  # fmt: skip
    assert set(exc.value.error_dict) == {"source"}
    assert not JobRun.objects.exists() and not as_job.exists()


def test_command_prints_progress(configurer, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes([HEADER, *(row(f"公司{i}", factories.valid_uscc())
                                          for i in range(5))]))  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    call_command("import-registry", str(path), "--as", configurer.username, "--source",
                 "公示系统", "--as-of", "2026-10-01", stdout=out, stderr=err)  # fmt: skip
    assert "added 5" in out.getvalue()
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("检查行 0/10") and lines[-1].endswith("10/10 (100%)")
