"""Export of the interaction list (the timelines' 互动记录): columns defined once here, rows from
:func:`xinren.activities.selectors.visible_interactions`, the selector the timelines use.
Filters: ``account_id`` (the account timeline), ``company_id`` (the customer page),
``kind``, ``date_from`` / ``date_to`` on the day it happened, ``open=1`` (next steps still
to do). Writers, right, audit and jobs: :mod:`xinren.quality.exporting`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinren.core.errors import field_error
from xinren.core.exports import (
    DATE,
    DATETIME,
    Column,
    ExportList,
    choice_labels,
    choice_param,
    date_param,
    id_param,
)
from xinren.customers.models import Company, CustomerAccount
from xinren.customers.selectors import account_for, company_for
from xinren.orgs.models import User

from . import selectors
from .models import InteractionKind


def columns(user: User) -> list[Column]:
    kind = choice_labels(InteractionKind)
    return [
        Column(gettext_lazy("发生时间"), lambda i: i.occurred_at, DATETIME),
        Column(gettext_lazy("方式"), lambda i: kind(i.kind)),
        Column(gettext_lazy("客户名称"), lambda i: i.account.company.name),
        Column(gettext_lazy("档案编号"), lambda i: i.account.archive_no),
        Column(gettext_lazy("主题"), lambda i: i.subject),
        Column(gettext_lazy("纪要"), lambda i: i.summary),
        Column(gettext_lazy("参与人员"), lambda i: "、".join(str(u) for u in i.staff.all())),
        Column(gettext_lazy("联系人"), lambda i: "、".join(c.name for c in i.contacts.all())),
        Column(gettext_lazy("下一步"), lambda i: i.next_step),
        Column(gettext_lazy("下一步截止日期"), lambda i: i.next_step_due, DATE),
        Column(
            gettext_lazy("下一步已完成"),
            lambda i: (_("是") if i.next_step_done else _("否")) if i.next_step else "",
        ),
        Column(gettext_lazy("记录人"), lambda i: str(i.created_by) if i.created_by else ""),
        Column(gettext_lazy("记录时间"), lambda i: i.logged_at, DATETIME),
    ]


def parse(user: User, data: Mapping[str, str]) -> dict:
    account_id, company_id = id_param(data, "account_id"), id_param(data, "company_id")
    try:
        if account_id is not None:
            account_for(user, account_id)
    except CustomerAccount.DoesNotExist:
        raise field_error(
            "account_id", _("客户账户不存在或不在您的数据范围内。"), "out_of_scope"
        ) from None
    try:
        if company_id is not None:
            company_for(user, company_id)
    except Company.DoesNotExist:
        raise field_error(
            "company_id", _("客户不存在或不在您的数据范围内。"), "out_of_scope"
        ) from None
    date_from, date_to = date_param(data, "date_from"), date_param(data, "date_to")
    if date_from and date_to and date_from > date_to:
        raise field_error("date_to", _("结束日期不能早于开始日期。"), "date_order")
    return {
        "account_id": account_id,
        "company_id": company_id,
        "kind": choice_param(data, "kind", InteractionKind.values),
        "date_from": date_from,
        "date_to": date_to,
        "open": (data.get("open") or "").strip() in ("1", "on", "true"),
    }


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def rows(user: User, params: dict) -> QuerySet:
    qs = selectors.visible_interactions(
        user,
        account=params["account_id"],
        kind=params["kind"] or None,
        open_next_steps=params["open"],
    )
    if params["company_id"] is not None:
        qs = qs.filter(company_id=params["company_id"])
    if params["date_from"]:
        qs = qs.filter(occurred_at__gte=_day_start(params["date_from"]))
    if params["date_to"]:
        qs = qs.filter(occurred_at__lt=_day_start(params["date_to"] + dt.timedelta(days=1)))
    return (
        qs.select_related("account", "account__company", "created_by")
        .prefetch_related("staff", "contacts")
        .order_by("-occurred_at", "-pk")
    )


INTERACTIONS = ExportList(
    name="interactions",
    label=gettext_lazy("互动记录"),
    columns=columns,
    parse=parse,
    rows=rows,
)
