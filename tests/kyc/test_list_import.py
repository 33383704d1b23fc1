"""Importing a watch list: rules per row, encodings, duplicates, the two modes, idempotent
re-import and replacement."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from xinren.kyc.models import ListEntry, WatchList
from xinren.kyc.services import import_list

from .conftest import HEADER, csv_bytes

pytestmark = pytest.mark.django_db


def _import(actor, content, *, mode="all", name="法院失信名单", kind="dishonest", filename="a.csv"):
    return import_list(
        actor=actor, content=content, filename=filename, kind=kind, name=name, mode=mode,
        rescreen=False,
    )  # fmt: skip


def _entries(name="法院失信名单"):
    return {(e.uscc, e.name): e.removed_on for e in ListEntry.objects.filter(watch_list__name=name)}


def test_malformed_rows_refuse_the_whole_file_by_default(configurer):
    good = factories.valid_uscc()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    content = csv_bytes([
        HEADER,
        ["甲公司", good, "拒不履行", "上海市第一中级人民法院", "2025-03-01"],
        ["乙公司", bad, "拒不履行", "", "2025-03-02"],
        ["", "", "无名", "", ""],
        ["丙公司", "", "", "", "2025/13/45"],
    ])  # fmt: skip
    report = _import(configurer, content)
    assert not report.applied and report.watch_list is None
    assert WatchList.objects.count() == 0 and ListEntry.objects.count() == 0
    found = {(e.row, e.column, e.rule) for e in report.errors}
    assert found == {
        (3, "统一社会信用代码", "uscc_check"),
        (4, "被执行人名称", "required"),
        (5, "立案日期", "date"),
    }
    assert report.failed_rows == 3
    assert "第 3 行 统一社会信用代码" in str(report.errors[0])


def test_valid_mode_imports_the_good_rows_and_reports_the_rest(configurer):
    good = factories.valid_uscc()
    content = csv_bytes([
        HEADER,
        ["甲公司", good, "拒不履行", "上海市第一中级人民法院", "2025年3月1日"],
        ["乙公司", "12345", "", "", ""],
    ])  # fmt: skip
    report = _import(configurer, content, mode="valid")
    assert report.applied and report.added == 1 and report.failed_rows == 1
    [entry] = ListEntry.objects.all()
    assert (entry.uscc, entry.name, entry.reason) == (good, "甲公司", "拒不履行")
    assert entry.authority == "上海市第一中级人民法院" and str(entry.listed_on) == "2025-03-01"
    assert report.errors[0].rule == "uscc_length"
    assert WatchList.objects.get().entry_count == 1


@pytest.mark.parametrize(
    ("encoding", "bom"), [("gbk", False), ("gb18030", False), ("utf-8", True), ("utf-8", False)]
)
def test_encodings(configurer, encoding, bom):
    content = csv_bytes(
        [["企业名称", "信用代码", "列入原因", "决定机关", "列入日期"],
         ["华为技术（上海）有限公司", "", "通过登记的住所无法联系", "上海市市场监督管理局",
          "2024-05-06"]],
        encoding=encoding, bom=bom,
    )  # fmt: skip
    report = _import(configurer, content, kind="abnormal_operation", name="经营异常")
    assert report.applied and report.added == 1
    entry = ListEntry.objects.get()
    assert entry.name == "华为技术（上海）有限公司"
    assert entry.reason == "通过登记的住所无法联系"
    assert entry.name_key == "华为技术"


def test_excel_file(configurer):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "统一社会信用代码", "列入原因"])
    code = factories.valid_uscc()
    sheet.append(["某某医药有限公司", code, "商业贿赂"])
    out = io.BytesIO()
    book.save(out)
    report = _import(
        configurer, out.getvalue(), filename="黑名单.xlsx", kind="industry_blacklist",
        name="医药行业黑名单",
    )  # fmt: skip
    assert report.applied and ListEntry.objects.get().uscc == code


def test_duplicates_in_the_file_are_merged_and_reported(configurer):
    code = factories.valid_uscc()
    content = csv_bytes([
        HEADER,
        ["甲公司", code, "第一案", "", ""],
        ["甲公司（原名）", code.lower(), "第二案", "", ""],
        ["上海乙丁贸易有限公司", "", "", "", ""],
        ["乙丁贸易有限公司", "", "", "", ""],  # the same normalised name, no USCC
    ])  # fmt: skip
    report = _import(configurer, content)
    assert report.applied and report.added == 2 and not report.errors
    assert [(d.row, d.rule) for d in report.duplicates] == [(3, "duplicate"), (5, "duplicate")]
    assert ListEntry.objects.get(uscc=code).reason == "第一案"


def test_reimport_is_idempotent(configurer):
    content = csv_bytes([HEADER, ["甲公司", factories.valid_uscc(), "x", "", "2025-01-01"],
                         ["乙公司", "", "y", "", ""]])  # fmt: skip
    first = _import(configurer, content)
    before = _entries()
    again = _import(configurer, content)
    assert (first.added, again.added, again.updated, again.removed) == (2, 0, 0, 0)
    assert again.unchanged == 2 and not again.changed
    assert _entries() == before and ListEntry.objects.count() == 2


def test_reimport_replaces_the_entries(configurer):
    a, b = factories.valid_uscc(), factories.valid_uscc()
    _import(configurer, csv_bytes([HEADER, ["甲公司", a, "x", "", ""], ["乙公司", b, "y", "", ""]]))
    report = _import(
        configurer, csv_bytes([HEADER, ["甲公司", a, "改了", "", ""], ["丙公司", "", "z", "", ""]])
    )
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    today = timezone.localdate()
    assert _entries() == {(a, "甲公司"): None, (b, "乙公司"): today, ("", "丙公司"): None}
    assert WatchList.objects.get().entry_count == 2
    # Listed again: reinstated, not duplicated.
    report = _import(configurer, csv_bytes([HEADER, ["乙公司", b, "y", "", ""]]))
    assert (report.added, report.updated, report.removed) == (0, 1, 2)
    assert _entries()[(b, "乙公司")] is None and ListEntry.objects.count() == 3


def test_valid_mode_keeps_entries_whose_row_is_malformed(configurer):
    a = factories.valid_uscc()
    _import(configurer, csv_bytes([HEADER, ["甲公司", a, "x", "", ""]]))
    report = _import(configurer, csv_bytes([HEADER, ["甲公司", a, "x", "", "not a date"]]),
                     mode="valid")  # fmt: skip
    assert report.removed == 0 and _entries() == {(a, "甲公司"): None}


def test_file_and_field_errors_name_the_field(configurer):
    with pytest.raises(ValidationError) as exc:
        _import(configurer, csv_bytes([["公司", "代码"], ["甲", "x"]]))
    assert exc.value.error_dict["file"][0].code == "file"
    with pytest.raises(ValidationError) as exc:  # a header alone would empty the list
        _import(configurer, csv_bytes([HEADER]))
    assert exc.value.error_dict["file"][0].code == "file"
    with pytest.raises(ValidationError) as exc:
        _import(configurer, b"", kind="nope", name="", mode="some")
    assert set(exc.value.error_dict) == {"kind", "name", "mode"}
    _import(configurer, csv_bytes([HEADER, ["甲公司", "", "", "", ""]]))
    with pytest.raises(ValidationError) as exc:
        _import(
            configurer, csv_bytes([HEADER, ["甲公司", "", "", "", ""]]), kind="industry_blacklist"
        )
    assert exc.value.error_dict["kind"][0].code == "mismatch"


@pytest.mark.parametrize("role", ["subsidiary_admin", "risk_officer", "sales_rep", "auditor"])
def test_import_needs_the_configure_right(org, role):
    user = factories.make_user(org.sub_a, role)
    content = csv_bytes([HEADER, ["甲公司", "", "", "", ""]])
    if role == "subsidiary_admin":
        assert _import(user, content).applied
    else:
        with pytest.raises(PermissionDenied):
            _import(user, content)
        assert ListEntry.objects.count() == 0
