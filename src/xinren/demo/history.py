"""Demo relationship history: tiers, interactions, contracts, orders, payment milestones,
receipts and the customer timeline, for every account that has no tier row yet (the accounts
the customer generator just wrote).

Rows are generated in their database form and written with one ``executemany`` per table and
batch (:mod:`xinren.demo.bulk`), ids reserved up front so that orders, milestones, receipts and
timeline events can point at each other without reading anything back.

What it looks like:

- **tiers** S/A/B/C ≈ 5/15/30/50 %, a few accounts with a tier change and its reason;
- **interactions** follow the tier's visit cadence (S, A monthly; B, C quarterly) with noise,
  plus calls, e-mails, meetings and social messages; staff is the owner, sometimes the service
  team; some carry a next step (a few still open and overdue); ≈ 7 % are logged more than 24 h
  after they happened (``late``). ``AccountTier.last_visit_at``/``next_visit_due`` follow the
  rule of :mod:`xinren.cadence.services` (due = last visit's date + interval days);
- **contracts** of one year, renewed most of the time, so some expire within 30 days;
- **orders** only for accounts that became customers, with seasonality (busy before Chinese New
  Year and in Q4, quiet in February and around the October holiday), amounts by tier, some with
  lines; **payment milestones** per order (credit 30/60/90 days, or prepayment), **receipts**:
  most customers pay on time, ≈ 15 % are late payers (20–60 days late, some partial payments,
  some milestones still overdue). ``paid_amount`` is the sum of the receipts, ``paid_on`` the
  date of the last one exactly when the milestone is fully paid;
- a **timeline event** for every interaction, contract, order, milestone and receipt.

Money is integer cents in Python and a ``Decimal`` string for the driver — never a float.
Deterministic: account number ``k`` of the run (counting tier rows that existed before) draws
from ``Random(f"{seed}:history:{k}")``; dates are relative to today.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xinren.activities.models import LOG_WITHIN, Interaction
from xinren.cadence.models import DEFAULT_VISIT_DAYS, AccountTier, CadencePolicy, Tier, TierChange
from xinren.customers.models import Contact, CustomerAccount, Lifecycle, ServiceAssignment
from xinren.orgs.models import User
from xinren.sales.models import Contract, Order, OrderLine, PaymentMilestone, Receipt
from xinren.timeline.models import TimelineEvent

from .bulk import Table, reserve_ids

DEFAULT_YEARS = 3
ACCOUNT_BATCH = 1000

TIER_WEIGHTS = [("S", 5), ("A", 15), ("B", 30), ("C", 50)]
# Interactions other than visits, per month, and orders per year, by tier.
OTHER_PER_MONTH = {"S": 2.0, "A": 1.0, "B": 0.5, "C": 0.25}
ORDERS_PER_YEAR = {"S": 30.0, "A": 15.0, "B": 8.0, "C": 4.0}
# Median order amount in yuan, by tier; contract amounts are about a year of orders.
ORDER_MEDIAN = {"S": 60000, "A": 25000, "B": 10000, "C": 4000}
CREDIT_WEIGHTS = {
    "S": [(30, 2), (60, 4), (90, 4)],
    "A": [(30, 3), (60, 4), (90, 3)],
    "B": [(30, 5), (60, 4), (90, 1)],
    "C": [(30, 7), (60, 3), (90, 0)],
}
# Orders by month (1 … 12): busy before Chinese New Year (January) and in Q4, quiet in
# February (the holiday) and a little around the October Golden Week.
MONTH_WEIGHT = [1.35, 0.45, 0.95, 1.0, 1.0, 1.05, 0.95, 0.9, 1.05, 0.85, 1.25, 1.55]

CUSTOMER_STATUSES = {
    Lifecycle.DEAL.value,
    Lifecycle.FULFILMENT.value,
    Lifecycle.AFTER_SALES.value,
    Lifecycle.MAINTENANCE.value,
    Lifecycle.LOST.value,
}
LATE_PAYER_SHARE = 0.15
# Every DETERIORATE_EVERY-th account (a paying customer on credit) paid on time until
# DETERIORATE_DAYS ago, then later and later: its overdue amount grows (medium risk), then its
# delay rate passes 20 % (high) — the demo's "customer whose risk rises" (demo.kyc replays it).
DETERIORATE_EVERY = 40
DETERIORATE_AT = 5
DETERIORATE_DAYS = 240
LATE_LOG_SHARE = 0.07

SUBJECTS = {
    "visit": [
        "季度业务回顾",
        "新产品介绍",
        "年度合作洽谈",
        "售后回访",
        "项目进展沟通",
        "需求调研",
        "拜访采购负责人",
        "商务关系维护",
        "现场问题排查",
    ],
    "call": [
        "电话确认订单交期",
        "电话沟通报价",
        "电话催收货款",
        "电话回访使用情况",
        "电话预约拜访",
    ],
    "email": ["发送报价单", "发送合同草案", "对账单确认", "发送产品资料", "会议纪要确认"],
    "meeting": ["年度框架合同谈判", "技术方案评审会", "季度经营分析会", "联合项目启动会"],
    "social": ["微信沟通发货安排", "企业微信确认需求", "微信发送节日问候", "钉钉沟通付款进度"],
}
KIND_LABEL = {"visit": "拜访", "call": "电话", "email": "邮件", "meeting": "会议", "social": "社交"}
OTHER_KINDS = [("call", 40), ("email", 28), ("social", 20), ("meeting", 12)]
SAYS = [
    "对现有产品和服务总体满意",
    "希望下季度增加采购量",
    "比较关注交货周期",
    "对价格较为敏感，希望给出阶梯报价",
    "计划扩建产线，有新增需求",
    "反映上批货物有少量质量问题",
    "预算审批流程较长，预计下月定稿",
    "正在比较竞争对手的方案",
    "新任采购经理希望重新梳理供应商名单",
]
WE_DO = [
    "我方承诺一周内给出优化方案",
    "已同步技术部门跟进",
    "约定下月再次拜访",
    "已发送最新报价",
    "将协调物流缩短交期",
    "已提交区域经理审批特价",
    "安排售后工程师上门处理",
]
NEXT_STEPS = [
    "发送正式报价单",
    "安排技术交流",
    "跟进合同审批",
    "确认交货计划",
    "催收逾期款项",
    "提交样品测试",
    "准备续签方案",
    "整理需求清单",
]
TIER_REASONS = [
    "年采购额大幅增长，升级为重点客户",
    "近一年订单下降，调整服务等级",
    "集团战略客户，提升服务等级",
    "回款持续逾期，降低服务等级",
    "新签年度框架合同，提升服务等级",
    "年度客户分级复核",
]
CONTRACT_TITLES = ["年度采购框架合同", "产品供货合同", "技术服务合同", "年度维保合同"]
PRODUCTS = [
    ("工业控制器", 380000, 2600000),
    ("传感器模组", 12000, 90000),
    ("伺服电机", 150000, 900000),
    ("技术服务年费", 2000000, 12000000),
    ("备品备件", 5000, 60000),
    ("软件许可", 800000, 5000000),
    ("安装调试服务", 300000, 2000000),
    ("定制机柜", 250000, 1500000),
]


def _yuan(cents: int) -> str:
    """Cents as the decimal string the driver gets (``Decimal`` semantics, no float)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _label(cents: int) -> str:
    return f"¥{cents // 100:,}.{cents % 100:02d}"


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


# --- tables ---------------------------------------------------------------------------------
INTERACTION_COLUMNS = [
    "account_id",
    "company_id",
    "kind",
    "occurred_at",
    "logged_at",
    "late",
    "subject",
    "summary",
    "next_step",
    "next_step_due",
    "next_step_done",
    "created_by_id",
]
CONTRACT_COLUMNS = [
    "account_id",
    "number",
    "title",
    "signed_on",
    "start_on",
    "end_on",
    "amount",
    "payment_terms",
    "credit_days",
    "renewal_on",
    "status",
    "created_by_id",
]
ORDER_COLUMNS = [
    "account_id",
    "contract_id",
    "number",
    "ordered_on",
    "amount",
    "source",
    "created_by_id",
]
LINE_COLUMNS = ["order_id", "product", "quantity", "unit_price", "amount"]
MILESTONE_COLUMNS = [
    "account_id",
    "contract_id",
    "order_id",
    "description",
    "due_on",
    "amount",
    "paid_amount",
    "paid_on",
]
RECEIPT_COLUMNS = [
    "account_id",
    "milestone_id",
    "received_on",
    "amount",
    "reference",
    "source",
    "created_by_id",
]
EVENT_COLUMNS = [
    "company_id",
    "account_id",
    "kind",
    "occurred_at",
    "source",
    "source_id",
    "title",
    "detail",
    "actor_id",
]
TIER_COLUMNS = ["account_id", "tier", "last_visit_at", "next_visit_due"]
TIER_CHANGE_COLUMNS = [
    "account_id",
    "from_tier",
    "to_tier",
    "reason",
    "changed_by_id",
    "changed_at",
]


class _Tables:
    def __init__(self) -> None:
        self.interaction = Table(Interaction, INTERACTION_COLUMNS, with_id=True)
        self.staff = Table(Interaction.staff.through, ["interaction_id", "user_id"])
        self.contacts = Table(Interaction.contacts.through, ["interaction_id", "contact_id"])
        self.contract = Table(Contract, CONTRACT_COLUMNS, with_id=True)
        self.order = Table(Order, ORDER_COLUMNS, with_id=True)
        self.line = Table(OrderLine, LINE_COLUMNS)
        self.milestone = Table(PaymentMilestone, MILESTONE_COLUMNS, with_id=True)
        self.receipt = Table(Receipt, RECEIPT_COLUMNS, with_id=True)
        self.event = Table(TimelineEvent, EVENT_COLUMNS)
        self.tier = Table(AccountTier, TIER_COLUMNS)
        self.tier_change = Table(TierChange, TIER_CHANGE_COLUMNS)


# --- one batch of accounts, in memory --------------------------------------------------------
@dataclass
class _Batch:
    """Rows of one batch with placeholder ids (indexes into the lists), resolved on write."""

    interactions: list[list] = field(default_factory=list)
    staff: list[tuple[int, int]] = field(default_factory=list)  # (interaction index, user)
    contacts: list[tuple[int, int]] = field(default_factory=list)
    contracts: list[list] = field(default_factory=list)
    orders: list[list] = field(default_factory=list)  # contract_id holds a contract index
    lines: list[list] = field(default_factory=list)  # order_id holds an order index
    milestones: list[list] = field(default_factory=list)  # contract/order indexes
    receipts: list[list] = field(default_factory=list)  # milestone index
    tiers: list[tuple] = field(default_factory=list)
    tier_changes: list[tuple] = field(default_factory=list)
    # (kind, source, index into its list, company, account, occurred_at, title, detail, actor)
    events: list[tuple] = field(default_factory=list)

    def count(self) -> dict[str, int]:
        return {
            "tiers": len(self.tiers),
            "tier_changes": len(self.tier_changes),
            "interactions": len(self.interactions),
            "contracts": len(self.contracts),
            "orders": len(self.orders),
            "order_lines": len(self.lines),
            "milestones": len(self.milestones),
            "receipts": len(self.receipts),
            "timeline_events": len(self.events),
        }


@dataclass(frozen=True)
class _Account:
    pk: int
    company_id: int
    business_unit_id: int
    owner_id: int
    status: str
    archive_no: str
    opened: dt.datetime
    team: tuple[int, ...]  # service team users
    contacts: tuple[int, ...]


class HistoryGenerator:
    def __init__(
        self,
        *,
        seed: int,
        years: int = DEFAULT_YEARS,
        order_scale: float = 1.0,
        today: dt.date | None = None,
    ) -> None:
        if years < 1:
            raise ValueError("history needs at least one year")
        self.seed = seed
        self.years = years
        self.order_scale = order_scale
        self.today = today or timezone.localdate()
        self.first_day = self.today - dt.timedelta(days=365 * years)
        zone = ZoneInfo(settings.TIME_ZONE)
        self.offset = zone.utcoffset(dt.datetime.combine(self.today, dt.time(12)))
        # History ends at midnight this morning, so two runs on the same day agree.
        self.now = self.at(self.today, 0)
        self.sqlite = connection.vendor == "sqlite"
        self.tables = _Tables()
        self.intervals = {
            (p.business_unit_id, p.tier): p.visit_every_days for p in CadencePolicy.objects.all()
        }
        # Cumulative order weight per day of the window: an order date is one bisect.
        self.days = (self.today - self.first_day).days + 1
        cum, total = [], 0.0
        for i in range(self.days):
            day = self.first_day + dt.timedelta(days=i)
            weight = MONTH_WEIGHT[day.month - 1] * (0.25 if day.weekday() >= 5 else 1.0)
            total += weight
            cum.append(total)
        self.cum = cum
        self.names = dict(User.objects.values_list("pk", "full_name"))

    # --- helpers --------------------------------------------------------------------------
    def interval(self, account: _Account, tier: str) -> int:
        return (
            self.intervals.get((account.business_unit_id, tier)) or DEFAULT_VISIT_DAYS[Tier(tier)]
        )

    def at(self, day: dt.date, minutes: int) -> dt.datetime:
        """Local wall-clock time ``minutes`` after midnight of ``day``, as a naive UTC
        datetime (made aware, or written as Django's SQLite adapter writes it, by
        :meth:`db_dt`)."""
        local = dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minutes)
        return local - self.offset

    def db_dt(self, value: dt.datetime):
        # SQLite stores naive UTC text (as Django's adapter does); PostgreSQL takes it aware.
        return value.isoformat(" ") if self.sqlite else value.replace(tzinfo=dt.UTC)

    def db_date(self, value: dt.date | None):
        if value is None:
            return None
        return value.isoformat() if self.sqlite else value

    def day_in(self, rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
        """A day in [lo, hi] drawn with the order seasonality."""
        a = max(0, (lo - self.first_day).days)
        b = min(self.days - 1, (hi - self.first_day).days)
        if b < a:
            return hi
        base = self.cum[a - 1] if a else 0.0
        u = base + rng.random() * (self.cum[b] - base)
        return self.first_day + dt.timedelta(days=min(b, bisect.bisect_left(self.cum, u, a, b + 1)))

    def weekday(self, day: dt.date) -> dt.date:
        if day.weekday() == 5:
            day -= dt.timedelta(days=1)
        elif day.weekday() == 6:
            day += dt.timedelta(days=1)
        return min(day, self.today - dt.timedelta(days=1))

    # --- one account ----------------------------------------------------------------------
    def account(self, a: _Account, k: int, out: _Batch) -> None:
        rng = random.Random(f"{self.seed}:history:{k}")
        today, first = self.today, self.first_day
        tier = _weighted(rng, TIER_WEIGHTS)
        interval = self.interval(a, tier)
        customer = a.status in CUSTOMER_STATUSES
        window = (today - first).days
        if customer:
            began = first + dt.timedelta(
                days=0 if rng.random() < 0.65 else rng.randrange(window - 150)
            )
        else:  # leads and prospects: the relationship is recent
            began = today - dt.timedelta(days=rng.randrange(20, min(window, 400)))
        ended = today
        if a.status == Lifecycle.LOST.value:
            ended = today - dt.timedelta(days=rng.randrange(45, max(46, (today - began).days // 2)))
        late_payer = customer and rng.random() < LATE_PAYER_SHARE
        neglected = rng.random() < 0.12  # visits slip behind the cadence
        last_visit = self.interactions(a, rng, tier, interval, began, ended, neglected, out)
        if last_visit is not None:
            due = (last_visit + self.offset).date() + dt.timedelta(days=interval)
        else:
            due = timezone.localtime(a.opened).date() + dt.timedelta(days=interval)
        out.tiers.append(
            (a.pk, tier, self.db_dt(last_visit) if last_visit else None, self.db_date(due))
        )
        if rng.random() < 0.08:
            order = "SABC"
            i = order.index(tier)
            before = order[i + 1] if i < 3 and (i == 0 or rng.random() < 0.6) else order[i - 1]
            when = self.at(
                began + dt.timedelta(days=rng.randrange(max(1, (ended - began).days))), 600
            )
            out.tier_changes.append(
                (a.pk, before, tier, rng.choice(TIER_REASONS), a.owner_id, self.db_dt(when))
            )
        turn = None
        if (
            customer
            and not late_payer
            and a.status != Lifecycle.LOST.value
            and k % DETERIORATE_EVERY == DETERIORATE_AT
            and (today - began).days > DETERIORATE_DAYS + 180
        ):
            turn = today - dt.timedelta(days=DETERIORATE_DAYS)
        if customer:
            self.sales(a, rng, tier, began, ended, late_payer, out, turn=turn)

    def interactions(
        self, a, rng, tier, interval, began, ended, neglected, out
    ) -> dt.datetime | None:
        plan: list[tuple[str, dt.date]] = []
        stretch = 1.6 if neglected else 1.0
        day = began + dt.timedelta(days=rng.randrange(max(1, interval // 2)))
        while day <= ended:
            plan.append(("visit", self.weekday(day)))
            day += dt.timedelta(days=max(5, round(interval * stretch * rng.uniform(0.6, 1.2))))
        span = (ended - began).days + 1
        for _ in range(_poisson(rng, OTHER_PER_MONTH[tier] * span / 30.4)):
            plan.append(
                (
                    _weighted(rng, OTHER_KINDS),
                    self.weekday(began + dt.timedelta(rng.randrange(span))),
                )
            )
        plan.sort(key=lambda p: p[1])
        last_visit = None
        for kind, day in plan:
            occurred = self.at(day, rng.randrange(8 * 60 + 30, 18 * 60))
            if occurred > self.now:
                occurred = self.now - dt.timedelta(minutes=rng.randrange(30, 600))
            if rng.random() < LATE_LOG_SHARE:
                logged = occurred + dt.timedelta(minutes=rng.randrange(25 * 60, 5 * 24 * 60))
            else:
                logged = occurred + dt.timedelta(minutes=rng.randrange(5, 20 * 60))
            if logged > self.now:
                logged = max(occurred, self.now - dt.timedelta(minutes=1))
            late = logged - occurred > LOG_WITHIN
            subject = rng.choice(SUBJECTS[kind])
            says, does = rng.choice(SAYS), rng.choice(WE_DO)
            summary = f"{subject}：客户{says}，{does}。"
            next_step, next_due, done = "", None, False
            if rng.random() < (0.45 if kind in ("visit", "meeting") else 0.2):
                next_step = rng.choice(NEXT_STEPS)
                next_due = (occurred + self.offset).date() + dt.timedelta(days=rng.randrange(3, 22))
                if next_due < self.today:
                    recent = (self.today - next_due).days <= 45
                    done = not ((recent and rng.random() < 0.35) or rng.random() < 0.02)
            staff = [a.owner_id]
            if a.team and rng.random() < (0.35 if kind in ("call", "email", "social") else 0.2):
                agent = rng.choice(a.team)
                staff = [agent] if kind in ("call", "email", "social") else [a.owner_id, agent]
                staff = list(dict.fromkeys(staff))
            i = len(out.interactions)
            out.interactions.append(
                [
                    a.pk,
                    a.company_id,
                    kind,
                    self.db_dt(occurred),
                    self.db_dt(logged),
                    late,
                    subject,
                    summary,
                    next_step,
                    self.db_date(next_due),
                    done,
                    staff[0],
                ]
            )
            out.staff.extend((i, u) for u in staff)
            if a.contacts and kind in ("visit", "meeting", "call"):
                out.contacts.append((i, rng.choice(a.contacts)))
            detail = {"kind": kind, "staff": [self.names.get(u, "") for u in staff]}
            if late:
                detail["late"] = True
            if next_step:
                detail["next_step"] = next_step
            out.events.append(
                (
                    "interaction",
                    "activities.interaction",
                    i,
                    a.company_id,
                    a.pk,
                    occurred,
                    f"{KIND_LABEL[kind]}：{subject}",
                    detail,
                    staff[0],
                )
            )
            if kind == "visit" and (last_visit is None or occurred > last_visit):
                last_visit = occurred
        return last_visit

    def sales(self, a, rng, tier, began, ended, late_payer, out, turn=None) -> None:
        today = self.today
        rate = ORDERS_PER_YEAR[tier] * self.order_scale * (3 if turn else 1)
        median = ORDER_MEDIAN[tier] * 100
        prepay_account = rng.random() < 0.12 and turn is None
        credit = _weighted(rng, CREDIT_WEIGHTS[tier])
        # Contracts: one year each, renewed most of the time, until the account was lost.
        contracts: list[tuple[int, dt.date, dt.date]] = []  # (index, start, end)
        # The first contract within a year of the relationship's start, so renewals spread
        # over the calendar; a renewal starts the day after the previous contract ends.
        first_within = min(330, max(1, (min(ended, today) - began).days - 30))
        signed = self.weekday(began + dt.timedelta(days=rng.randrange(first_within)))
        start = signed + dt.timedelta(days=rng.randrange(0, 15))
        n = 0
        while signed <= min(ended, today):
            end = (
                start.replace(year=start.year + 1) - dt.timedelta(days=1)
                if not (start.month == 2 and start.day == 29)
                else start + dt.timedelta(days=364)
            )
            renew = rng.random() < 0.85
            if end < today:
                status = "renewed" if renew and end < ended else "expired"
                if a.status == Lifecycle.LOST.value and start <= ended <= end:
                    status = "terminated"
            else:
                status = "terminated" if a.status == Lifecycle.LOST.value else "active"
            n += 1
            amount = max(100000, round(median * rate * rng.uniform(0.6, 1.4) / 1000) * 1000)
            terms = "prepayment" if prepay_account else "credit"
            number = f"HT-{a.archive_no}-{n:02d}"
            i = len(out.contracts)
            out.contracts.append(
                [
                    a.pk,
                    number,
                    rng.choice(CONTRACT_TITLES),
                    self.db_date(signed),
                    self.db_date(start),
                    self.db_date(end),
                    _yuan(amount),
                    terms,
                    None if prepay_account else credit,
                    self.db_date(end),
                    status,
                    a.owner_id,
                ]
            )
            contracts.append((i, start, end))
            out.events.append(
                (
                    "contract",
                    "sales.contract",
                    i,
                    a.company_id,
                    a.pk,
                    self.at(signed, 600),
                    f"签订合同 {number}",
                    {
                        "number": number,
                        "amount": _yuan(amount),
                        "currency": "CNY",
                        "start_on": start.isoformat(),
                        "end_on": end.isoformat(),
                    },
                    a.owner_id,
                )
            )
            if not renew or end >= today:
                break
            signed = self.weekday(end - dt.timedelta(days=rng.randrange(0, 30)))
            start = end + dt.timedelta(days=1)
            if signed > ended:
                break
        if not contracts:
            return
        lo, hi = contracts[0][1], min(ended, today)
        years = max(0.0, ((hi - lo).days + 1) / 365.0)
        days = sorted(self.day_in(rng, lo, hi) for _ in range(_poisson(rng, rate * years)))
        delay_mean = rng.randrange(20, 61) if late_payer else 0
        receipt_no = 0
        for j, day in enumerate(days):
            contract = None
            for ci, start, end in contracts:
                if start <= day <= end:
                    contract = ci
            cents = max(50000, round(median * rng.lognormvariate(0, 0.6)))
            lines = []
            if rng.random() < 0.3:
                total = 0
                for product, low, high in rng.sample(PRODUCTS, rng.randint(1, 3)):
                    qty = rng.choice((1, 2, 3, 5, 10, 20, 50))
                    price = rng.randrange(low, high) // 100 * 100
                    lines.append([product, f"{qty}.000", _yuan(price), _yuan(qty * price)])
                    total += qty * price
                cents = total
            number = f"SO{day:%Y%m%d}{j:04d}"
            oi = len(out.orders)
            out.orders.append(
                [
                    a.pk,
                    contract,
                    number,
                    self.db_date(day),
                    _yuan(cents),
                    "import" if rng.random() < 0.2 else "manual",
                    a.owner_id,
                ]
            )
            for line in lines:
                out.lines.append([oi, *line])
            out.events.append(
                (
                    "order",
                    "sales.order",
                    oi,
                    a.company_id,
                    a.pk,
                    self.at(day, 540 + rng.randrange(480)),
                    f"订单 {number} {_label(cents)}",
                    {
                        "number": number,
                        "amount": _yuan(cents),
                        "currency": "CNY",
                        "lines": len(lines),
                    },
                    a.owner_id,
                )
            )
            # Milestones: prepayment on the order day; credit terms at +30/60/90 days, large
            # orders in two instalments.
            if prepay_account:
                parts = [("预付款", day, cents)]
            elif cents >= median * 2 and rng.random() < 0.5:
                first = cents * 3 // 10
                parts = [
                    ("首付款（30%）", day + dt.timedelta(days=credit), first),
                    ("尾款（70%）", day + dt.timedelta(days=credit + 30), cents - first),
                ]
            else:
                parts = [("货款", day + dt.timedelta(days=credit), cents)]
            for description, due, amount in parts:
                mi = len(out.milestones)
                paid = self.receipts(
                    a, rng, mi, due, amount, prepay_account, late_payer, delay_mean, turn
                )
                paid_total = sum(r[1] for r in paid)
                paid_on = paid[-1][0] if paid and paid_total == amount else None
                out.milestones.append(
                    [
                        a.pk,
                        contract,
                        oi,
                        description,
                        self.db_date(due),
                        _yuan(amount),
                        _yuan(paid_total),
                        self.db_date(paid_on),
                    ]
                )
                out.events.append(
                    (
                        "payment",
                        "sales.paymentmilestone",
                        mi,
                        a.company_id,
                        a.pk,
                        self.at(day, 540),
                        f"收款节点 {description} {_label(amount)}，{due:%Y-%m-%d} 到期",
                        {"due_on": due.isoformat(), "amount": _yuan(amount), "currency": "CNY"},
                        a.owner_id,
                    )
                )
                for received, value in paid:
                    receipt_no += 1
                    ri = len(out.receipts)
                    reference = f"BK{received:%Y%m%d}{receipt_no:05d}"
                    out.receipts.append(
                        [
                            a.pk,
                            mi,
                            self.db_date(received),
                            _yuan(value),
                            reference,
                            "import" if rng.random() < 0.5 else "manual",
                            a.owner_id,
                        ]
                    )
                    out.events.append(
                        (
                            "payment",
                            "sales.receipt",
                            ri,
                            a.company_id,
                            a.pk,
                            self.at(received, 600 + rng.randrange(360)),
                            f"到账 {_label(value)}（{description}）",
                            {
                                "amount": _yuan(value),
                                "currency": "CNY",
                                "reference": reference,
                                "days_late": max(0, (received - due).days),
                            },
                            a.owner_id,
                        )
                    )

    def receipts(self, a, rng, mi, due, amount, prepay, late_payer, delay_mean, turn=None):
        """[(received_on, cents)] up to today, in date order."""
        today = self.today
        if prepay:
            return [(due, amount)] if due <= today else []
        if turn is not None:  # on time before the turn, then later and later
            if due < turn:
                pay = self.weekday(due - dt.timedelta(days=rng.randrange(1, 6)))
            else:
                pay = due + dt.timedelta(days=10 + (due - turn).days // 2)
            return [(pay, amount)] if pay <= today else []
        if late_payer and rng.random() < 0.85:
            pay = due + dt.timedelta(days=max(15, round(rng.gauss(delay_mean, 8))))
            partial = rng.random() < 0.25
        else:
            r = rng.random()
            if r < 0.8:
                pay = due - dt.timedelta(days=rng.randrange(0, 11))
            elif r < 0.97:
                pay = due + dt.timedelta(days=rng.randrange(1, 11))
            else:
                pay = due + dt.timedelta(days=rng.randrange(11, 40))
            partial = rng.random() < 0.03
        pay = self.weekday(pay) if pay <= today else pay
        if partial:
            first_day = min(pay, due + dt.timedelta(days=rng.randrange(0, 21)))
            first = amount * rng.randrange(30, 71) // 100
            out = []
            if first_day <= today and 0 < first < amount:
                out.append((first_day, first))
                if pay <= today and pay > first_day:
                    out.append((pay, amount - first))
                return out
        return [(pay, amount)] if pay <= today else []

    # --- writing --------------------------------------------------------------------------
    def write(self, out: _Batch) -> None:
        t = self.tables
        if self.sqlite:  # what JSONField writes there
            prep = json.dumps
        else:
            adapt = connection.ops.adapt_json_value

            def prep(value):
                return adapt(value, None)

        with transaction.atomic():
            t.tier.insert(out.tiers)
            t.tier_change.insert(out.tier_changes)
            iid = reserve_ids(Interaction, len(out.interactions))
            t.interaction.insert(
                [(pk, *row) for pk, row in zip(iid, out.interactions, strict=True)]
            )
            t.staff.insert([(iid[i], u) for i, u in out.staff])
            t.contacts.insert([(iid[i], c) for i, c in out.contacts])
            cid = reserve_ids(Contract, len(out.contracts))
            t.contract.insert([(pk, *row) for pk, row in zip(cid, out.contracts, strict=True)])
            oid = reserve_ids(Order, len(out.orders))
            t.order.insert(
                [
                    (pk, row[0], None if row[1] is None else cid[row[1]], *row[2:])
                    for pk, row in zip(oid, out.orders, strict=True)
                ]
            )
            t.line.insert([(oid[row[0]], *row[1:]) for row in out.lines])
            mid = reserve_ids(PaymentMilestone, len(out.milestones))
            t.milestone.insert(
                [
                    (pk, row[0], None if row[1] is None else cid[row[1]], oid[row[2]], *row[3:])
                    for pk, row in zip(mid, out.milestones, strict=True)
                ]
            )
            rid = reserve_ids(Receipt, len(out.receipts))
            t.receipt.insert(
                [
                    (pk, row[0], mid[row[1]], *row[2:])
                    for pk, row in zip(rid, out.receipts, strict=True)
                ]
            )
            ids = {
                "activities.interaction": iid,
                "sales.contract": cid,
                "sales.order": oid,
                "sales.paymentmilestone": mid,
                "sales.receipt": rid,
            }
            t.event.insert(
                [
                    (
                        company,
                        account,
                        kind,
                        self.db_dt(occurred),
                        source,
                        ids[source][i],
                        title,
                        prep(detail),
                        actor,
                    )
                    for kind, source, i, company, account, occurred, title, detail, actor in out.events
                ]
            )


def _accounts(after: int, limit: int) -> list[_Account]:
    rows = list(
        CustomerAccount.objects.filter(tier_record__isnull=True, pk__gt=after)
        .order_by("pk")
        .values_list(
            "pk", "company_id", "business_unit_id", "owner_id", "status", "archive_no", "created_at"
        )[:limit]
    )
    if not rows:
        return []
    ids = [r[0] for r in rows]
    team: dict[int, list[int]] = {}
    for account_id, user_id in ServiceAssignment.objects.filter(account_id__in=ids).values_list(
        "account_id", "user_id"
    ):
        team.setdefault(account_id, []).append(user_id)
    people: dict[int, list[int]] = {}
    for company_id, contact_id in (
        Contact.objects.filter(company_id__in={r[1] for r in rows})
        .order_by("pk")
        .values_list("company_id", "pk")
    ):
        people.setdefault(company_id, []).append(contact_id)
    return [
        _Account(
            pk,
            company,
            unit,
            owner,
            status,
            archive,
            opened,
            tuple(sorted(team.get(pk, ()))),
            tuple(people.get(company, ())),
        )
        for pk, company, unit, owner, status, archive, opened in rows
    ]


def generate_history(
    *,
    seed: int,
    years: int = DEFAULT_YEARS,
    batch_size: int = ACCOUNT_BATCH,
    order_scale: float = 1.0,
    progress: Callable[[int, float], None] | None = None,
) -> dict[str, int]:
    """History for every account without a tier row; returns the counts written."""
    gen = HistoryGenerator(seed=seed, years=years, order_scale=order_scale)
    k = AccountTier.objects.count()
    totals: dict[str, int] = {}
    after, began, done = 0, time.monotonic(), 0
    while True:
        accounts = _accounts(after, batch_size)
        if not accounts:
            break
        out = _Batch()
        for a in accounts:
            gen.account(a, k, out)
            k += 1
        gen.write(out)
        for key, value in out.count().items():
            totals[key] = totals.get(key, 0) + value
        after = accounts[-1].pk
        done += len(accounts)
        if progress:
            progress(done, time.monotonic() - began)
    totals.setdefault("tiers", 0)
    return totals
