"""Export of the certification review queue (认证审核): the applications of the accounts the
user sees, newest first, with the checks that did not pass, the document problems and the
decision with its conditions. Filter ``status`` (as on the page). Writers, right, audit and
jobs: :mod:`xinren.quality.exporting`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from xinren.core.exports import (
    DATE,
    DATETIME,
    NUMBER,
    Column,
    ExportList,
    choice_labels,
    choice_param,
)
from xinren.orgs.models import User

from . import selectors
from .models import Application, ApplicationStatus, CheckCode, CheckResult


def _person(user) -> str:
    return str(user.get_full_name() or user.get_username()) if user else ""


def _checks_with(result: str, label) -> Callable[[Application], str]:
    """The application's checks with this result, by label (``label``: translated once per
    export)."""
    return lambda a: "；".join(label(c.code) for c in a.checks.all() if c.result == result)


def _document_problems(application: Application) -> str:
    return "；".join(
        c.evidence
        for c in application.checks.all()
        if c.code == CheckCode.DOCUMENTS and c.result != CheckResult.PASS
    )


def application_columns(user: User) -> list[Column]:
    status, check = choice_labels(ApplicationStatus), choice_labels(CheckCode)
    yes = str(gettext_lazy("是"))
    return [
        Column(gettext_lazy("申请编号"), lambda a: a.pk, NUMBER),
        Column(gettext_lazy("客户名称"), lambda a: a.account.company.name),
        Column(gettext_lazy("档案编号"), lambda a: a.account.archive_no),
        Column(gettext_lazy("状态"), lambda a: status(a.status)),
        Column(gettext_lazy("未通过的核查"), _checks_with(CheckResult.FAIL, check)),
        Column(gettext_lazy("待完成的核查"), _checks_with(CheckResult.PENDING, check)),
        Column(gettext_lazy("证照问题"), _document_problems),
        Column(gettext_lazy("准备人"), lambda a: _person(a.prepared_by)),
        Column(gettext_lazy("审批人"), lambda a: _person(a.decided_by)),
        Column(gettext_lazy("审批时间"), lambda a: a.decided_at, DATETIME),
        Column(gettext_lazy("审批理由"), lambda a: a.reason),
        Column(gettext_lazy("须预付款"), lambda a: yes if a.prepayment_required else ""),
        Column(gettext_lazy("信用天数"), lambda a: a.credit_days, NUMBER),
        Column(gettext_lazy("信用额度"), lambda a: a.credit_limit, NUMBER),
        Column(gettext_lazy("认证有效期至"), lambda a: a.valid_until, DATE),
    ]


def application_filters(user: User, data: Mapping[str, str]) -> dict:
    return {"status": choice_param(data, "status", ApplicationStatus.values)}


def application_rows(user: User, params: dict) -> QuerySet:
    return selectors.visible_applications(user, status=params["status"])


APPLICATIONS = ExportList(
    name="applications",
    label=gettext_lazy("认证申请"),
    columns=application_columns,
    parse=application_filters,
    rows=application_rows,
    chunk_size=500,  # each chunk prefetches its applications' checks
)
