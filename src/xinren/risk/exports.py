"""Export of the risk list (风险客户): the assessed accounts the user sees at the chosen levels,
riskiest first, with each factor explained in the reader's language. Filter ``level``
(comma-separated; empty: high and medium, as on the page). Writers, right, audit and jobs:
:mod:`xinren.quality.exporting`."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from xinren.core.exports import DATETIME, NUMBER, Column, ExportList, choice_labels
from xinren.orgs.models import User

from . import rules, selectors


def risk_columns(user: User) -> list[Column]:
    level = choice_labels(rules.RiskLevel)
    return [
        Column(gettext_lazy("客户名称"), lambda a: a.account.company.name),
        Column(gettext_lazy("档案编号"), lambda a: a.account.archive_no),
        Column(gettext_lazy("所属公司"), lambda a: a.account.business_unit.name),
        Column(gettext_lazy("负责人"), lambda a: str(a.account.owner) if a.account.owner else ""),
        Column(gettext_lazy("风险等级"), lambda a: level(a.level)),
        Column(gettext_lazy("风险分"), lambda a: a.score, NUMBER),
        Column(gettext_lazy("评估时间"), lambda a: a.computed_at, DATETIME),
        Column(
            gettext_lazy("风险因素"),
            lambda a: "；".join(f"{rules.factor_label(f)} (+{f['points']})" for f in a.factors),
        ),
    ]


def risk_filters(user: User, data: Mapping[str, str]) -> dict:
    return {"level": ",".join(selectors.levels_param(data.get("level")))}


def risk_rows(user: User, params: dict) -> QuerySet:
    return selectors.assessments(user, tuple(params["level"].split(",")))


RISK = ExportList(
    name="risk",
    label=gettext_lazy("风险客户"),
    columns=risk_columns,
    parse=risk_filters,
    rows=risk_rows,
)
