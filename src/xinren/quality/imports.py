"""Import of customers (companies, this business unit's accounts, contacts) from xlsx, xls or
CSV.

``run_import(actor=…, content=…, filename=…)`` reads the file (:mod:`xinren.core.tables`),
finds the header row, maps its columns to fields (Chinese synonyms automatically, a user's
corrections or a saved :class:`~xinren.quality.models.ImportTemplate` on top), then:

1. **checks every row** with the customers' own rules (``clean_company``, ``clean_account``,
   ``clean_contact``) and matches it to the golden master: same USCC, else the same
   normalised name (:func:`xinren.standards.names.name_key`, the key the duplicate check
   uses) when exactly one company has it and no USCC contradicts it. A match outside the
   importer's data scope is an error (no details shown), never a write;
2. **writes** new companies in bulk — the same validation, then one insert per table and
   batch, the same change history and timeline entries (``record_creations``), the same
   search index (``search.write_docs``) and duplicate-check keys (``write_keys``) — and
   matched ones through the ordinary services (``update_company``, ``open_account``,
   ``create_contact`` …: rights, scope, versions, history), each in a savepoint.

``on_match``: ``update`` (the file's non-empty values overwrite), ``fill`` (only empty fields
are filled) or ``skip`` (matched companies are left alone). A matched company without an
account of the importer's business unit gets one. Re-running a file changes nothing: every
row then matches and differs in nothing ("unchanged").

Modes as for every import: ``all`` (default; any bad row → nothing stored, the whole run is
one transaction, so a worker killed half-way leaves nothing either), ``valid`` (the good rows
are stored, the rest reported); ``dry_run`` checks and writes exactly as for real, then rolls
back.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinren.audit.services import record_creations
from xinren.core.bulk import insert_instances
from xinren.core.errors import ConflictError, error_items
from xinren.core.tables import (
    ImportFileError,
    RowError,
    TableResult,
    map_headers,
    parse_capital,
    parse_date,
    read_rows,
    report_csv,
    report_rows,
    report_xlsx,
)
from xinren.customers import search
from xinren.customers import services as customers
from xinren.customers.models import (
    AccountType,
    Company,
    Contact,
    CustomerAccount,
    EntityType,
    Lifecycle,
    SizeBand,
)
from xinren.customers.selectors import visible_companies
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User
from xinren.standards import codes
from xinren.standards.names import name_key
from xinren.standards.uscc import normalize_uscc

from .models import CompanyKey, ImportTemplate
from .services import write_keys

__all__ = ["ImportFileError", "RowError", "run_import"]

MODES = ("all", "valid")
ON_MATCH = ("update", "fill", "skip")
BATCH = 1000
MAX_UPLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class Field:
    key: str
    target: str  # company | account | contact
    attr: str  # the model field it fills
    label: object
    synonyms: tuple[str, ...]


F = Field
FIELDS: tuple[Field, ...] = (
    F("name", "company", "name", gettext_lazy("客户名称"),
      ("客户名称", "公司名称", "企业名称", "单位名称", "客户", "名称", "company", "company_name")),
    F("uscc", "company", "uscc", gettext_lazy("统一社会信用代码"),
      ("统一社会信用代码", "社会信用代码", "信用代码", "税号", "纳税人识别号", "credit_code")),
    F("entity_type", "company", "entity_type", gettext_lazy("主体类型"),
      ("主体类型", "企业类型", "entity_type")),
    F("legal_rep", "company", "legal_rep", gettext_lazy("法定代表人"),
      ("法定代表人", "法人", "法人代表", "legal_representative")),
    F("registered_capital", "company", "registered_capital", gettext_lazy("注册资本"),
      ("注册资本", "注册资金", "注册资本万元", "capital")),
    F("founded_on", "company", "founded_on", gettext_lazy("成立日期"),
      ("成立日期", "成立时间", "注册日期", "founded", "founded_on")),
    F("registered_address", "company", "registered_address", gettext_lazy("地址"),
      ("地址", "注册地址", "公司地址", "办公地址", "address")),
    F("phone", "company", "phone", gettext_lazy("电话"),
      ("电话", "公司电话", "联系电话", "座机", "phone", "tel")),
    F("email", "company", "email", gettext_lazy("公司邮箱"), ("公司邮箱", "企业邮箱")),
    F("website", "company", "website", gettext_lazy("网址"), ("网址", "网站", "官网", "website")),
    F("industry_code", "company", "industry_code", gettext_lazy("行业"),
      ("行业", "所属行业", "行业代码", "industry")),
    F("region_code", "company", "region_code", gettext_lazy("地区"),
      ("地区", "所在地区", "区域", "地区代码", "行政区划", "region")),
    F("size_band", "company", "size_band", gettext_lazy("企业规模"), ("企业规模", "规模", "人数")),
    F("main_business", "company", "main_business", gettext_lazy("主营业务"),
      ("主营业务", "经营范围")),
    F("name_en", "company", "name_en", gettext_lazy("英文名称"), ("英文名称", "英文名")),
    F("owner", "account", "owner", gettext_lazy("归属人"),
      ("归属人", "负责人", "客户经理", "销售", "业务员", "owner")),
    F("account_type", "account", "account_type", gettext_lazy("客户类型"),
      ("客户类型", "客户类别", "account_type")),
    F("status", "account", "status", gettext_lazy("生命周期阶段"),
      ("生命周期阶段", "生命周期", "状态", "客户状态", "阶段", "status")),
    F("source", "account", "source", gettext_lazy("来源"), ("来源", "客户来源", "source")),
    F("notes", "account", "notes", gettext_lazy("备注"), ("备注", "说明", "notes", "remark")),
    F("contact_name", "contact", "name", gettext_lazy("联系人"),
      ("联系人", "联系人姓名", "联系人名称", "contact")),
    F("contact_phone", "contact", "work_phone", gettext_lazy("联系人电话"),
      ("联系人电话", "联系人手机", "手机", "联系方式", "contact_phone", "mobile")),
    F("contact_title", "contact", "title", gettext_lazy("职务"),
      ("职务", "职位", "联系人职务", "title")),
    F("contact_department", "contact", "department", gettext_lazy("部门"),
      ("部门", "联系人部门", "department")),
    F("contact_email", "contact", "work_email", gettext_lazy("邮箱"),
      ("邮箱", "电子邮箱", "联系人邮箱", "email", "e-mail")),
)  # fmt: skip
BY_KEY = {f.key: f for f in FIELDS}
BY_ATTR = {(f.target, f.attr): f for f in FIELDS}
SYNONYMS = {f.key: f.synonyms for f in FIELDS}


def field_choices() -> list[tuple[str, str]]:
    """(key, label) of every importable field, for the mapping page."""
    return [(f.key, str(f.label)) for f in FIELDS]


# --- the result -------------------------------------------------------------------------------
CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "failed",
)
STATUS_LABELS = {
    CREATED: gettext_lazy("新建"),
    UPDATED: gettext_lazy("更新"),
    UNCHANGED: gettext_lazy("无变化"),
    SKIPPED: gettext_lazy("已存在，跳过"),
    FAILED: gettext_lazy("错误"),
}


@dataclass
class ImportResult(TableResult):
    mode: str = "all"
    on_match: str = "update"
    dry_run: bool = False
    mapping: dict[str, str] = field(default_factory=dict)  # header → field key ("" ignored)
    status: dict[int, str] = field(default_factory=dict)  # row number → CREATED …
    applied: bool = False

    @property
    def total(self) -> int:
        return len(self.rows)

    def count(self, status: str) -> int:
        return sum(1 for s in self.status.values() if s == status)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def skipped(self) -> int:
        return self.count(SKIPPED)

    def summary(self) -> dict:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed_rows": self.failed_rows,
            "applied": self.applied,
            "dry_run": self.dry_run,
            "mode": self.mode,
            "on_match": self.on_match,
        }


def report_table(result: ImportResult) -> list[list[str]]:
    labels = {n: str(STATUS_LABELS[s]) for n, s in result.status.items()}
    for row_no in result.errors_by_row():
        labels[row_no] = str(STATUS_LABELS[FAILED])
    return report_rows(result, labels)


def report_xlsx_bytes(result: ImportResult) -> bytes:
    return report_xlsx(report_table(result))


def report_csv_bytes(result: ImportResult) -> bytes:
    return report_csv(report_table(result))


# --- reading and mapping ----------------------------------------------------------------------
def find_header(table: list[list[str]]) -> int:
    """Index of the header row: the first of the top ten rows naming at least two known
    fields (a title row merged across the top is passed over), else the first row."""
    for i, row in enumerate(table[:10]):
        if len(map_headers(row, SYNONYMS)) >= 2:
            return i
    return 0


def auto_mapping(header: list[str]) -> dict[str, str]:
    """header → field key by synonyms ("" for a column no field claims)."""
    columns = map_headers(header, SYNONYMS)
    by_index = {i: key for key, i in columns.items()}
    return {h: by_index.get(i, "") for i, h in enumerate(header) if h}


def resolve_mapping(
    header: list[str], mapping: dict[str, str] | None = None
) -> tuple[dict[str, int], dict[str, str]]:
    """(field key → column index, the mapping used). ``mapping`` (a user's corrections or a
    template) wins for the headers it names; the others are mapped by synonyms."""
    used = auto_mapping(header)
    for head, key in (mapping or {}).items():
        if head in used or head in header:
            if key and key not in BY_KEY:
                raise ImportFileError(
                    _("列“%(h)s”映射到了未知字段“%(k)s”。") % {"h": head, "k": key}
                )
            used[head] = key or ""
    columns: dict[str, int] = {}
    for i, head in enumerate(header):
        key = used.get(head, "")
        if not key:
            continue
        if key in columns:
            raise ImportFileError(
                _("字段“%(f)s”映射了两列：“%(a)s”和“%(b)s”。")
                % {"f": BY_KEY[key].label, "a": header[columns[key]], "b": head}
            )
        columns[key] = i
    if "name" not in columns and "uscc" not in columns:
        raise ImportFileError(
            _("缺少必需的列：客户名称或统一社会信用代码（表头可用中文，如 客户名称、公司名称）。")
        )
    return columns, used


def read_file(content: bytes, filename: str) -> tuple[list[str], list[list[str]], int]:
    """Header, data rows and the spreadsheet number of the first data row."""
    table = read_rows(content, filename, fill_merged=True)
    h = find_header(table)
    header = [c.strip() for c in table[h]]
    rows = table[h + 1 :]
    if not rows:
        raise ImportFileError(_("文件只有表头，没有数据行。"))
    return header, rows, h + 2


def template_mapping(actor: User, name: str) -> dict[str, str]:
    found = ImportTemplate.objects.filter(owner=actor, name=name).first()
    if found is None:
        raise ImportFileError(_("没有名为“%(n)s”的导入模板。") % {"n": name})
    return dict(found.mapping)


@transaction.atomic
def save_template(*, actor: User, name: str, mapping: dict[str, str]) -> ImportTemplate:
    """Create or replace the actor's template of this name."""
    require_action(actor, Action.CREATE)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [ValidationError(_("请填写模板名称。"), code="required")]})
    if len(name) > 60:
        raise ValidationError(
            {"name": [ValidationError(_("模板名称最多 60 个字。"), code="max_length")]}
        )
    bad = [k for k in mapping.values() if k and k not in BY_KEY]
    if bad:
        raise ValidationError(
            {
                "mapping": [
                    ValidationError(
                        _("未知字段：%(k)s") % {"k": "、".join(bad)}, code="unknown_field"
                    )
                ]
            }
        )
    template, _created = ImportTemplate.objects.update_or_create(
        owner=actor, name=name, defaults={"mapping": {str(h): k or "" for h, k in mapping.items()}}
    )
    return template


# --- values -----------------------------------------------------------------------------------
class _RowFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


def _choice(choices, text: str) -> str | None:
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    for value, label in choices:
        if folded in (str(value).lower(), str(label).lower()):
            return value
    return None


def _zh_choices(enum) -> list[tuple[str, str]]:
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = [(v, str(lab)) for v, lab in enum.choices]
    with translation.override("en"):
        en = [(v, str(lab)) for v, lab in enum.choices]
    return zh + en


_NAME_TABLES: dict[str, dict[str, str]] = {}


def _code_by_name(kind: str, text: str) -> str:
    """A region or industry code from its code or its name (full or short: 上海市 / 上海)."""
    text = unicodedata.normalize("NFKC", text).strip()
    table = codes.regions() if kind == "region" else codes.industries()
    if text in table:
        return text
    if kind not in _NAME_TABLES:
        names: dict[str, str] = {}
        clash: set[str] = set()
        for code in table.values():
            for n in {
                code.name,
                re.sub(r"(省|市|自治区|特别行政区|壮族|回族|维吾尔)+$", "", code.name),
            }:
                if not n:
                    continue
                if n in names and names[n] != code.code:
                    clash.add(n)
                names.setdefault(n, code.code)
        _NAME_TABLES[kind] = {n: c for n, c in names.items() if n not in clash}
    return _NAME_TABLES[kind].get(text, text)


# --- the run ----------------------------------------------------------------------------------
@dataclass
class _Row:
    no: int
    company: dict = field(default_factory=dict)
    account: dict = field(default_factory=dict)
    contact: dict = field(default_factory=dict)
    owner: User | None = None
    uscc: str = ""
    key: str = ""
    match_id: int | None = None
    new: Company | None = None


class _Importer:
    def __init__(self, actor: User, header: list[str], columns: dict[str, int], on_match: str):
        self.actor = actor
        self.header = header
        self.columns = columns
        self.on_match = on_match
        self.business_unit_id = (
            actor.org_unit.business_unit_id if getattr(actor, "org_unit_id", None) else None
        )
        self._owners: dict[str, User | RowError] = {}
        self._entity = _zh_choices(EntityType)
        self._types = _zh_choices(AccountType)
        self._stages = _zh_choices(Lifecycle)
        self._sizes = _zh_choices(SizeBand)

    # columns and errors
    def column(self, key: str) -> str:
        i = self.columns.get(key)
        return self.header[i] if i is not None else ""

    def value(self, row: list[str], key: str) -> str:
        i = self.columns.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    def fail(self, row_no: int, key: str, rule: str, message) -> RowError:
        return RowError(row_no, self.column(key), rule, str(message))

    def service_errors(self, row_no: int, exc: ValidationError, target: str) -> list[RowError]:
        out = []
        for item in error_items(exc):
            f = BY_ATTR.get((target, item["field"].split(".")[0]))
            column = self.column(f.key) if f else ""
            message = (
                item["message"] if f or not item["field"] else f"{item['field']}：{item['message']}"
            )
            out.append(RowError(row_no, column, item["rule"], message))
        return out

    # parsing a row into field values
    def parse(self, row_no: int, row: list[str]) -> _Row:
        parsed = _Row(no=row_no)
        errors: list[RowError] = []
        for key in self.columns:
            f = BY_KEY[key]
            text = self.value(row, key)
            if not text:
                continue
            try:
                value = self.convert(key, text)
            except _RowFailed as failed:
                errors.extend(failed.errors)
                continue
            except (ValueError, InvalidOperation):
                errors.append(self.fail(row_no, key, *self.bad_value(key)))
                continue
            if key == "owner":
                found = self.owner(row_no, text)
                if isinstance(found, RowError):
                    errors.append(found)
                else:
                    parsed.owner = found
                continue
            getattr(parsed, f.target)[f.attr] = value
        if errors:
            raise _RowFailed(errors)
        if parsed.contact and not parsed.contact.get("name"):
            raise _RowFailed(
                [
                    self.fail(
                        row_no,
                        "contact_name",
                        "required",
                        _("填写了联系人信息，但没有联系人姓名。"),
                    )
                ]
            )
        uscc = parsed.company.get("uscc", "")
        parsed.uscc = normalize_uscc(uscc) if uscc else ""
        parsed.key = name_key(parsed.company.get("name", "")) if parsed.company.get("name") else ""
        return parsed

    def bad_value(self, key: str) -> tuple[str, str]:
        if key == "founded_on":
            return "date", _("日期格式应为 YYYY-MM-DD（如 2016-03-01）或 Excel 日期。")
        if key == "registered_capital":
            return "amount", _("注册资本应为金额，如 500万 或 5000000。")
        return "invalid", _("取值无效。")

    def convert(self, key: str, text: str):
        if key == "founded_on":
            return parse_date(text)
        if key == "registered_capital":
            return parse_capital(text)
        if key == "region_code":
            return _code_by_name("region", text)
        if key == "industry_code":
            return _code_by_name("industry", text)
        for k, options in (
            ("entity_type", self._entity),
            ("account_type", self._types),
            ("status", self._stages),
            ("size_band", self._sizes),
        ):
            if key == k:
                value = _choice(options, text)
                if value is None:
                    allowed = "、".join(dict.fromkeys(lab for _v, lab in options))
                    raise _RowFailed(
                        [
                            RowError(
                                0,
                                self.column(key),
                                "choice",
                                _("取值应为：%(a)s。") % {"a": allowed},
                            )
                        ]
                    )
                return value
        return text

    def owner(self, row_no: int, text: str) -> User | RowError:
        if text not in self._owners:
            users = list(
                User.objects.filter(
                    Q(username=text) | Q(full_name=text), is_active=True
                ).select_related("org_unit")[:2]
            )
            if len(users) != 1:
                found: User | RowError = RowError(
                    0, self.column("owner"), "owner_not_found" if not users else "ambiguous",
                    _("找不到该归属人（填写用户名或姓名）。") if not users
                    else _("有多位同名用户，请填写用户名。"),
                )  # fmt: skip
            elif not customers.owner_allowed(self.actor, users[0]):
                found = RowError(
                    0, self.column("owner"), "out_of_scope", _("归属人不在您的数据范围内。")
                )
            elif (
                self.business_unit_id
                and users[0].org_unit.business_unit_id != self.business_unit_id
            ):
                found = RowError(
                    0,
                    self.column("owner"),
                    "other_business_unit",
                    _("归属人必须属于您所在的公司。"),
                )
            else:
                found = users[0]
            self._owners[text] = found
        found = self._owners[text]
        if isinstance(found, RowError):
            return RowError(row_no, found.column, found.rule, found.message)
        return found

    # validating a new company
    def build_new(self, parsed: _Row) -> None:
        errors: list[RowError] = []
        company = Company()  # created_by set after the checks: not a lookup per row
        for attr, value in parsed.company.items():
            setattr(company, attr, value.strip() if isinstance(value, str) else value)
        try:
            customers.clean_company(company, check_duplicate=False)
        except ValidationError as exc:
            errors.extend(self.service_errors(parsed.no, exc, "company"))
        account = CustomerAccount(**{k: v for k, v in parsed.account.items()})
        try:
            customers.clean_account(account)
        except ValidationError as exc:
            errors.extend(self.service_errors(parsed.no, exc, "account"))
        if parsed.contact:
            contact = Contact(**parsed.contact)
            try:
                customers.clean_contact(contact)
            except ValidationError as exc:
                errors.extend(self.service_errors(parsed.no, exc, "contact"))
            parsed.contact = {k: getattr(contact, k) for k in parsed.contact} | {
                "phone_digits": contact.phone_digits
            }
        if errors:
            raise _RowFailed(errors)
        company.created_by = self.actor
        parsed.new = company

    # matching
    def match_all(self, rows: list[_Row], result: ImportResult) -> None:
        """Set ``match_id`` of every row that matches an existing company (bulk lookups);
        a match outside the actor's scope, an ambiguous name or a row repeating an earlier
        one of the same file becomes an error."""
        by_uscc: dict[str, tuple[int, str]] = {}
        usccs = sorted({r.uscc for r in rows if r.uscc})
        for chunk in _chunks(usccs, BATCH):
            for pk, uscc, key in Company.objects.filter(uscc__in=chunk).values_list(
                "pk", "uscc", "name"
            ):
                by_uscc[uscc] = (pk, key)
        keys = sorted({r.key for r in rows if r.key and (not r.uscc or r.uscc not in by_uscc)})
        by_key: dict[str, list[tuple[int, str | None]]] = {}
        for chunk in _chunks(keys, BATCH):
            for pk, key, uscc in CompanyKey.objects.filter(name_key__in=chunk).values_list(
                "company_id", "name_key", "company__uscc"
            ):
                by_key.setdefault(key, []).append((pk, uscc))
        seen: dict[str, int] = {}
        for r in rows:
            if r.uscc and r.uscc in by_uscc:
                r.match_id = by_uscc[r.uscc][0]
            elif r.key:
                # same normalised name, and no USCC on either side that says otherwise
                candidates = [pk for pk, uscc in by_key.get(r.key, []) if not uscc or not r.uscc]
                if len(candidates) > 1:
                    result.errors.append(
                        RowError(r.no, self.column("name"), "ambiguous",
                                 _("名称与多家已有客户相同，请填写统一社会信用代码以区分。"))
                    )  # fmt: skip
                    r.match_id = -1
                    continue
                if candidates:
                    r.match_id = candidates[0]
            for ident in (f"u:{r.uscc}" if r.uscc else "", f"k:{r.key}" if r.key else ""):
                if not ident:
                    continue
                if ident in seen:
                    column = self.column("uscc") if ident[0] == "u" else self.column("name")
                    result.errors.append(
                        RowError(r.no, column, "duplicate_in_file",
                                 _("与本文件第 %(n)s 行是同一家客户，请合并为一行。") % {"n": seen[ident]})
                    )  # fmt: skip
                    r.match_id = -1
                    break
            for ident in (f"u:{r.uscc}" if r.uscc else "", f"k:{r.key}" if r.key else ""):
                if ident:
                    seen.setdefault(ident, r.no)
        matched = {r.match_id for r in rows if r.match_id and r.match_id > 0}
        visible: set[int] = set()
        for chunk in _chunks(sorted(matched), BATCH):
            visible.update(
                visible_companies(self.actor).filter(pk__in=chunk).values_list("pk", flat=True)
            )
        for r in rows:
            if r.match_id and r.match_id > 0 and r.match_id not in visible:
                column = self.column("uscc") if r.uscc else self.column("name")
                result.errors.append(
                    RowError(r.no, column, "out_of_scope",
                             _("已有同一家客户，但不在您的数据范围内：本行未导入，请联系该客户的归属公司。"))
                )  # fmt: skip
                r.match_id = -1

    # writing new companies in bulk
    def create_new(self, rows: list[_Row]) -> None:
        if not rows:
            return
        actor = self.actor
        companies = [r.new for r in rows]
        insert_instances(Company, companies)
        accounts: list[CustomerAccount] = []
        by_type: dict[str, list[CustomerAccount]] = {}
        for r, company in zip(rows, companies, strict=True):
            owner = r.owner or actor
            unit = owner.org_unit
            account = CustomerAccount(
                company=company,
                business_unit_id=unit.business_unit_id,
                owner=owner,
                owner_unit=unit,
                created_by=actor,
                **r.account,
            )
            accounts.append(account)
            by_type.setdefault(account.account_type, []).append(account)
        for prefix, group in by_type.items():
            for account, number in zip(
                group, customers.allocate_archive_block(prefix, None, len(group)), strict=True
            ):
                account.archive_no = number
        insert_instances(CustomerAccount, accounts)
        contacts = [
            Contact(company=c, created_by=actor, is_primary=True, **r.contact)
            for r, c in zip(rows, companies, strict=True)
            if r.contact
        ]
        insert_instances(Contact, contacts)
        record_creations(
            actor=actor,
            entries=[(c, c.pk, None) for c in companies]
            + [(a, a.company_id, a.pk) for a in accounts]
            + [(c, c.company_id, None) for c in contacts],
        )
        people: dict[int, list[str]] = {}
        for c in contacts:
            people.setdefault(c.company_id, []).append(c.name)
        search.write_docs(
            [search.build_doc(c.pk, c.name, c.name_en, people.get(c.pk, [])) for c in companies]
        )
        # the name key computed to match the row, unless the rules changed the name
        write_keys(
            (c.pk, c.name, c.phone, r.key if r.company.get("name") == c.name else None)
            for r, c in zip(rows, companies, strict=True)
        )

    # a matched company: through the services, in the caller's savepoint
    def prefetch(self, rows: list[_Row]) -> None:
        """Load the matched companies, their accounts and contacts in bulk, so a row that
        changes nothing (a re-run) costs no query of its own."""
        ids = sorted({r.match_id for r in rows})
        self._companies: dict[int, Company] = {}
        self._accounts: dict[tuple[int, int], CustomerAccount] = {}
        self._contacts: dict[tuple[int, str], Contact] = {}
        for chunk in _chunks(ids, BATCH):
            self._companies.update(Company.objects.in_bulk(chunk))
            for a in CustomerAccount.objects.filter(company_id__in=chunk):
                self._accounts[(a.company_id, a.business_unit_id)] = a
            for c in Contact.objects.filter(company_id__in=chunk).order_by("-id"):
                self._contacts[(c.company_id, c.name)] = c

    def plan(self, r: _Row) -> list[tuple[str, Callable[[], object]]]:
        """The service calls a matched row needs, each with the target its errors name."""
        actor, steps = self.actor, []
        company = self._companies[r.match_id]
        data = self.changes(company, r.company)
        if data:
            steps.append(
                (
                    "company",
                    lambda: customers.update_company(
                        actor=actor, company=company, data=data, expected_version=company.version
                    ),
                )
            )
        bu = self.business_unit_id if r.owner is None else r.owner.org_unit.business_unit_id
        account = self._accounts.get((company.pk, bu))
        if account is None:
            steps.append(
                (
                    "account",
                    lambda: customers.open_account(
                        actor=actor, company=company, owner=r.owner, **r.account
                    ),
                )
            )
        else:
            adata = self.changes(account, r.account)
            if r.owner is not None and account.owner_id != r.owner.pk and self.on_match == "update":
                adata["owner"] = r.owner
            if adata:
                steps.append(
                    (
                        "account",
                        lambda: customers.update_account(
                            actor=actor,
                            account=account,
                            data=adata,
                            expected_version=account.version,
                        ),
                    )
                )
        if r.contact:
            contact = self._contacts.get((company.pk, r.contact["name"]))
            if contact is None:
                steps.append(
                    (
                        "contact",
                        lambda: customers.create_contact(
                            actor=actor, company=company, data=r.contact
                        ),
                    )
                )
            else:
                probe = Contact(**{k: getattr(contact, k) for k in customers.CONTACT_FIELDS})
                for k, v in r.contact.items():
                    setattr(probe, k, v)
                with contextlib.suppress(ValidationError):  # the service names it
                    customers.clean_contact(probe)  # compare like with like (normalised phone)
                cdata = self.changes(contact, {k: getattr(probe, k) for k in r.contact})
                if cdata:
                    steps.append(
                        (
                            "contact",
                            lambda: customers.update_contact(
                                actor=actor,
                                contact=contact,
                                data=cdata,
                                expected_version=contact.version,
                            ),
                        )
                    )
        return steps  # fmt: skip

    def apply_match(self, r: _Row) -> str:
        """A matched company, through the services, in a savepoint of its own."""
        if self.on_match == "skip":
            return SKIPPED
        steps = self.plan(r)
        if not steps:
            return UNCHANGED
        with transaction.atomic():
            for target, call in steps:
                try:
                    call()
                except ValidationError as exc:
                    raise _RowFailed(self.service_errors(r.no, exc, target)) from None
        return UPDATED

    def changes(self, instance, values: dict) -> dict:
        """The file's values that would change ``instance``: all differing ones (update) or
        only those filling an empty field (fill). Values are compared in their normalised
        form, so a re-run of the same file finds nothing to change."""
        out = {}
        if isinstance(instance, Company) and values:
            probe = Company(**{k: getattr(instance, k) for k in customers.COMPANY_FIELDS})
            probe.pk = instance.pk
            for k, v in values.items():
                setattr(probe, k, v.strip() if isinstance(v, str) else v)
            with contextlib.suppress(ValidationError):  # the service raises it, naming the field
                customers.clean_company(probe, check_duplicate=False)
            values = {k: getattr(probe, k) for k in values}
        for k, v in values.items():
            current = getattr(instance, k)
            if current == v or (current in (None, "") and v in (None, "")):
                continue
            if self.on_match == "fill" and current not in (None, ""):
                continue
            out[k] = v
        return out


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def run_import(
    *,
    actor: User,
    content: bytes,
    filename: str = "",
    mode: str = "all",
    on_match: str = "update",
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    template: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a customer file (see the module text). Raises ``ImportFileError`` for a file
    that cannot be imported at all and ``PermissionDenied`` without the create right; row
    problems are in the result's ``errors``."""
    if mode not in MODES:
        raise ImportFileError(_("导入方式只能是 all（全部或全不）或 valid（仅有效行）。"))
    if on_match not in ON_MATCH:
        raise ImportFileError(
            _("已有客户的处理方式只能是 update（覆盖）、fill（仅补空）或 skip（跳过）。")
        )
    require_action(actor, Action.CREATE)
    if getattr(actor, "org_unit_id", None) is None:
        raise PermissionDenied(_("导入客户需要您属于某个公司的部门（新账户开在该公司）。"))
    header, rows, first = read_file(content, filename)
    if template:
        mapping = {**template_mapping(actor, template), **(mapping or {})}
    columns, used = resolve_mapping(header, mapping)
    result = ImportResult(
        header=header, rows=rows, first_row=first, mode=mode, on_match=on_match,
        dry_run=dry_run, mapping=used,
    )  # fmt: skip
    importer = _Importer(actor, header, columns, on_match)
    total = len(rows) * 2
    step = max(1, len(rows) // 50)

    def progress(done: int) -> None:
        if on_progress is not None:
            on_progress(done, total)

    parsed: list[_Row] = []
    for i, row in enumerate(rows):
        try:
            parsed.append(importer.parse(i + first, row))
        except _RowFailed as failed:
            result.errors.extend(
                RowError(i + first, e.column, e.rule, e.message) for e in failed.errors
            )
        if (i + 1) % step == 0:
            progress(i + 1)
    importer.match_all(parsed, result)
    failed_rows = {e.row for e in result.errors}
    new_rows, matched = [], []
    for r in parsed:
        if r.no in failed_rows or r.match_id == -1:
            continue
        if r.match_id:
            matched.append(r)
            continue
        try:
            importer.build_new(r)
        except _RowFailed as failed:
            result.errors.extend(failed.errors)
            continue
        new_rows.append(r)
    progress(len(rows))
    if mode == "all" and result.errors and not dry_run:
        return result  # nothing is written: the report says what to fix
    done = len(rows)
    with transaction.atomic():
        try:
            for chunk in _chunks(new_rows, BATCH * 5):
                importer.create_new(chunk)
                for r in chunk:
                    result.status[r.no] = CREATED
                done += len(chunk)
                progress(done)
        except IntegrityError as exc:
            transaction.set_rollback(True)
            raise ImportFileError(
                _("写入时与他人同时录入的数据冲突，未导入任何数据，请重新导入：%(e)s")
                % {"e": str(exc)[:120]}
            ) from None
        importer.prefetch(matched)
        for r in matched:
            try:
                result.status[r.no] = importer.apply_match(r)
            except _RowFailed as failed:
                result.errors.extend(failed.errors)
            except (PermissionDenied, ConflictError) as exc:
                result.errors.append(
                    RowError(
                        r.no,
                        "",
                        "forbidden" if isinstance(exc, PermissionDenied) else "conflict",
                        str(exc),
                    )
                )
            done += 1
            if done % step == 0:
                progress(done)
        progress(total)
        refuse = dry_run or (mode == "all" and bool(result.errors))
        if refuse:
            transaction.set_rollback(True)
        result.applied = not refuse and any(s in (CREATED, UPDATED) for s in result.status.values())
    return result
