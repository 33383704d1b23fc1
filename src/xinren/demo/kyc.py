"""Certification (KYC) and risk demo data: applications in every state, watch lists with
hits, a registry snapshot, "certificate required" in one subsidiary, and a risk history.

Everything goes through the kyc services where a user would act (open, submit, review,
checks, references, four-eyes decision by the subsidiary's risk officer; list import; the
screening), so the demo shows what the rules produce. Bounded: a fixed handful of
applications and list entries, and registry records for at most :data:`REGISTRY_MAX`
companies, whatever ``--companies`` is. Run once per database: a second ``xinren demo``
adds registry records for its new companies only.

- **Applications** (east China, plus two in the south-west): draft, submitted, in review,
  approved, conditional (prepayment, credit limit and days), rejected (a customer on the
  dishonest list), an approved certificate that has expired and one expiring within 30
  days. Approved ones carry the 三证一照 (small generated PDFs) and two positive references.
- **Lists**: a 失信被执行人 and an 经营异常名录 sample, imported as CSV; a few entries match
  demo customers by USCC, one by name only, the rest are strangers.
- **Registry**: a snapshot of the demo companies (legal representative, capital,
  shareholders); a few 注销/吊销, some with lawsuits.
- **Certificate required** before contracting: on in 信任西南制造 (:data:`REQUIRED_IN`), off
  elsewhere (the default of an existing install).
- **Risk history** (:func:`risk_history`, after the first scoring): the late payers are
  re-scored at month ends of the past year with the real scoring, so their RiskChange rows
  show the level rising (low → medium → high) as the late payments accumulate.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from xinren.customers.models import Company, CustomerAccount
from xinren.customers.services import upload_document
from xinren.kyc import certification as cert
from xinren.kyc import services as kyc_services
from xinren.kyc.models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    RegistryRecord,
    RegistrySnapshot,
    RegistryStatus,
    WatchList,
)
from xinren.kyc.screening import screen_company
from xinren.orgs.models import OrgUnit, User
from xinren.standards.names import name_key

DISHONEST_LIST = "失信被执行人名单（示例）"
ABNORMAL_LIST = "经营异常名录（示例）"
REGISTRY_SOURCE = "国家企业信用信息公示系统（示例快照）"
REGISTRY_MAX = 5000
REQUIRED_IN = "XR-SW"  # the subsidiary that requires a certificate before contracting
HISTORY_ACCOUNTS = 12  # late payers whose past year of risk is replayed
DOCS = ("business_licence", "industry_qualification", "legal_rep_id", "premises_proof")
COURTS = (
    "杭州市中级人民法院",
    "上海市浦东新区人民法院",
    "成都市中级人民法院",
    "广州市天河区人民法院",
)
AUTHORITIES = ("杭州市市场监督管理局", "上海市市场监督管理局", "成都市市场监督管理局")
STRANGERS = (
    "宁波恒泰五金制品有限公司",
    "温州瑞丰鞋业有限公司",
    "东莞新锐电子有限公司",
    "苏州华联纺织有限公司",
    "佛山金利陶瓷有限公司",
    "绵阳鑫源建材有限公司",
    "台州永兴机械有限公司",
    "泉州盛达服饰有限公司",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


@dataclass
class KycDemo:
    applications: dict[str, int] = field(default_factory=dict)  # state -> application id
    list_entries: int = 0
    hits: int = 0
    registry_records: int = 0
    skipped: bool = False


def _user(name: str) -> User | None:
    return User.objects.filter(username=name, is_active=True).first()


def _accounts(unit_code: str, n: int, exclude: set[int]) -> list[CustomerAccount]:
    """``n`` accounts of the subsidiary whose owner is active, oldest first, not in
    ``exclude``, one per company."""
    unit = OrgUnit.objects.filter(code=unit_code).first()
    if unit is None:
        return []
    out: list[CustomerAccount] = []
    seen = set(exclude)
    for account in (
        CustomerAccount.objects.filter(
            business_unit_id=unit.pk, owner__is_active=True, applications__isnull=True
        )
        .exclude(company__uscc="")
        .select_related("company", "owner")
        .order_by("pk")[: n * 4 + 20]
    ):
        if account.company_id in seen:
            continue
        seen.add(account.company_id)
        out.append(account)
        if len(out) == n:
            break
    return out


def _documents(actor: User, account: CustomerAccount, today: dt.date) -> None:
    """The 三证一照 as small generated PDFs (valid for a year or two)."""
    company = account.company
    for i, doc_type in enumerate(DOCS):
        body = (
            f"%PDF-1.4\n% Xinren demo {doc_type} {company.uscc}\n"
            f"1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
        ).encode()
        upload_document(
            actor=actor,
            company=company,
            account=account,
            file=ContentFile(body, name=f"{doc_type}-{company.uscc}.pdf"),
            doc_type=doc_type,
            title=company.name,
            issued_on=today - dt.timedelta(days=400),
            expires_on=None if i == 0 else today + dt.timedelta(days=500 + 30 * i),
        )


def _references(actor: User, app: Application, today: dt.date, rng: random.Random) -> None:
    for k in range(2):
        cert.add_reference(
            actor=actor,
            application_id=app.pk,
            name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
            contact=f"13{rng.randrange(100000000, 999999999)}",
            contacted_on=today - dt.timedelta(days=3 + k),
            outcome="positive",
            note="合作三年，付款及时。" if k == 0 else "供货稳定，无纠纷。",
        )


def _to_review(prep: User, risk: User, account: CustomerAccount) -> Application:
    app = cert.open_application(
        actor=prep, account_id=account.pk, licence_uscc=account.company.uscc, note="年度认证"
    )
    cert.submit(actor=prep, application_id=app.pk, note="资料已上传")
    cert.start_review(actor=risk, application_id=app.pk)
    return app


def _backdate(app: Application, days: int, valid_until: dt.date | None = None) -> None:
    """Move a decided application ``days`` into the past (its steps too): the demo's history."""
    shift = dt.timedelta(days=days)
    Application.objects.filter(pk=app.pk).update(
        decided_at=app.decided_at - shift if app.decided_at else None,
        valid_until=valid_until or app.valid_until,
    )
    for step in ApplicationStep.objects.filter(application=app):
        ApplicationStep.objects.filter(pk=step.pk).update(at=step.at - shift)


def _applications(
    result: KycDemo, today: dt.date, rng: random.Random, rejected_for, listed: set[int]
) -> None:
    east_risk, west_risk = _user("east.risk"), _user("west.risk")
    if east_risk is None:
        return
    # Certified customers are clean ones: not listed, 存续, no lawsuits.
    flagged = RegistryRecord.objects.exclude(status=RegistryStatus.ACTIVE, lawsuit_count=0)
    used = set(listed) | set(
        Company.objects.filter(uscc__in=flagged.values("uscc")).values_list("pk", flat=True)
    )
    east = _accounts("XR-EC", 7, used)
    used |= {a.company_id for a in east}
    west = _accounts("XR-SW", 2, used) if west_risk else []
    if len(east) < 7:
        return
    # rejected: the customer on the dishonest list (matched by USCC)
    if rejected_for is not None:
        app = _to_review(rejected_for.owner, east_risk, rejected_for)
        cert.decide(
            actor=east_risk,
            application_id=app.pk,
            outcome=ApplicationStatus.REJECTED,
            reason="列入失信被执行人名单，且拒绝说明情况。",
        )
        result.applications["rejected"] = app.pk
    draft, submitted, review, approved, conditional, expired, expiring = east
    result.applications["draft"] = cert.open_application(
        actor=draft.owner, account_id=draft.pk, note="新客户，待上传证照"
    ).pk
    app = cert.open_application(
        actor=submitted.owner, account_id=submitted.pk, licence_uscc=submitted.company.uscc
    )
    _documents(submitted.owner, submitted, today)
    result.applications["submitted"] = cert.submit(actor=submitted.owner, application_id=app.pk).pk
    app = _to_review(review.owner, east_risk, review)
    result.applications["in_review"] = app.pk

    def approve(account, risk, **extra):
        _documents(account.owner, account, today)
        app = _to_review(account.owner, risk, account)
        _references(account.owner, app, today, rng)
        cert.run_checks(actor=risk, application_id=app.pk)
        return cert.decide(actor=risk, application_id=app.pk, outcome="approved", **extra)

    result.applications["approved"] = approve(approved, east_risk).pk
    app = _to_review(conditional.owner, east_risk, conditional)
    result.applications["conditional"] = cert.decide(
        actor=east_risk,
        application_id=app.pk,
        outcome=ApplicationStatus.CONDITIONAL,
        reason="成立不满两年，证照未齐：先预付款合作，额度 20 万元。",
        prepayment_required=True,
        credit_limit="200000",
        credit_days=30,
    ).pk
    app = approve(expired, east_risk)
    _backdate(app, 400, valid_until=today - dt.timedelta(days=35))
    result.applications["expired"] = app.pk
    app = approve(expiring, east_risk)
    _backdate(app, 345, valid_until=today + dt.timedelta(days=20))
    result.applications["expiring"] = app.pk
    # The south-west requires a certificate before contracting: one plain, one conditional.
    if len(west) == 2:
        result.applications["west_approved"] = approve(west[0], west_risk).pk
        app = _to_review(west[1].owner, west_risk, west[1])
        result.applications["west_conditional"] = cert.decide(
            actor=west_risk,
            application_id=app.pk,
            outcome=ApplicationStatus.CONDITIONAL,
            reason="注册资本较小：账期不超过 15 天，额度 5 万元。",
            credit_limit="50000",
            credit_days=15,
        ).pk


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _lists(admin: User, result: KycDemo, today: dt.date, rng: random.Random):
    """Two sample lists; returns the account matched on the dishonest list by USCC (it gets
    the rejected application) and the ids of the listed companies."""
    picks = list(
        CustomerAccount.objects.filter(
            business_unit__code="XR-EC", owner__is_active=True, applications__isnull=True
        )
        .exclude(company__uscc="")
        .select_related("company", "owner")
        .order_by("-pk")[:12]
    )
    companies: list[Company] = []
    accounts: list[CustomerAccount] = []
    for a in picks:
        if a.company not in companies:
            companies.append(a.company)
            accounts.append(a)
    if len(companies) < 6:
        return None, set()
    day = lambda n: (today - dt.timedelta(days=n)).isoformat()  # noqa: E731
    dishonest = [
        ["被执行人名称", "统一社会信用代码", "失信被执行人行为具体情形", "执行法院", "立案日期"]
    ]
    for i, c in enumerate(companies[:3]):
        dishonest.append(
            [
                c.name,
                c.uscc,
                "有履行能力而拒不履行生效法律文书确定义务",
                COURTS[i % 4],
                day(90 + 30 * i),
            ]
        )
    # one matched by name only: the list gives no code
    dishonest.append([companies[3].name, "", "违反财产报告制度", COURTS[3], day(45)])
    for i, name in enumerate(STRANGERS[:5]):
        dishonest.append([name, "", "被执行人无财产可供执行", COURTS[i % 4], day(200 + i)])
    abnormal = [
        ["企业名称", "统一社会信用代码", "列入经营异常名录原因", "作出决定机关", "列入日期"]
    ]
    for i, c in enumerate(companies[4:6]):
        abnormal.append([c.name, c.uscc, "未按照规定报送年度报告", AUTHORITIES[i % 3], day(60 + i)])
    for i, name in enumerate(STRANGERS[3:]):
        abnormal.append(
            [name, "", "通过登记的住所或者经营场所无法联系", AUTHORITIES[i % 3], day(150)]
        )
    for name, kind, rows in (
        (DISHONEST_LIST, "dishonest", dishonest),
        (ABNORMAL_LIST, "abnormal_operation", abnormal),
    ):
        report = kyc_services.import_list(
            actor=admin,
            content=_csv(rows),
            filename=f"{name}.csv",
            kind=kind,
            name=name,
            source="示例数据（演示用）",
            rescreen=False,
        )
        result.list_entries += report.watch_list.entry_count
    for company in companies[:6]:
        result.hits += screen_company(company).new
    return accounts[0], {c.pk for c in companies[:6]}


def _registry(result: KycDemo, today: dt.date, rng: random.Random) -> None:
    """Registry records for the demo companies not in the registry yet (bounded)."""
    known = RegistryRecord.objects.values("uscc")
    companies = list(
        Company.objects.exclude(uscc="")
        .exclude(uscc__in=known)
        .order_by("pk")
        .values_list(
            "uscc", "name", "legal_rep", "registered_address", "registered_capital", "founded_on"
        )[:REGISTRY_MAX]
    )
    if not companies:
        return
    from xinren.quality.models import CompanyKey

    # the normalised names the golden master keeps already (computing 1,000s is slow)
    keys = dict(
        CompanyKey.objects.filter(company__uscc__in=[c[0] for c in companies]).values_list(
            "company__uscc", "name_key"
        )
    )
    now = timezone.now()
    snapshot = RegistrySnapshot.objects.create(
        source=REGISTRY_SOURCE, as_of=today - dt.timedelta(days=7), imported_at=now
    )
    # The first demo run marks a few 注销/吊销 and 停业 among the first companies (stable for
    # the tests and the demo guide); later runs add only 存续 records.
    first = not RegistryRecord.objects.exclude(status=RegistryStatus.ACTIVE).exists()
    records = []
    for i, (uscc, name, legal_rep, address, capital, founded) in enumerate(companies):
        status = RegistryStatus.ACTIVE
        if first and i % 97 == 13:
            status = RegistryStatus.CANCELLED
        elif first and i % 97 == 41:
            status = RegistryStatus.REVOKED
        elif first and i % 211 == 7:
            status = RegistryStatus.SUSPENDED
        lawsuits = 0
        if rng.random() < 0.08:
            lawsuits = rng.choice((1, 1, 2, 3, 5, 8))
        holder = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}"
        share = rng.choice((51, 60, 70, 80, 100))
        shareholders = [{"name": legal_rep or holder, "share_percent": f"{share}.00"}]
        if share < 100:
            shareholders.append({"name": holder, "share_percent": f"{100 - share}.00"})
        records.append(
            RegistryRecord(
                uscc=uscc,
                name=name,
                name_key=keys.get(uscc) or name_key(name),
                legal_rep=legal_rep or shareholders[0]["name"],
                status=status,
                registered_capital=capital
                or Decimal(rng.choice((50, 100, 200, 500, 1000, 5000)) * 10000),
                established_on=founded or today - dt.timedelta(days=rng.randrange(400, 9000)),
                address=(address or "")[:300],
                shareholders=shareholders,
                lawsuit_count=lawsuits,
                snapshot=snapshot,
            )
        )
    RegistryRecord.objects.bulk_create(records, batch_size=5000)
    snapshot.record_count = len(records)
    snapshot.save(update_fields=["record_count"])
    result.registry_records = len(records)


def _certificate_required(admin: User) -> None:
    from xinren.risk.services import set_certificate_required

    unit = OrgUnit.objects.filter(code=REQUIRED_IN).first()
    if unit is not None:
        set_certificate_required(actor=admin, business_unit=unit, required=True)


def load(admin: User, seed: int = 0) -> KycDemo:
    """Certification demo data (once per database; the registry grows with the customers)."""
    rng = random.Random(seed + 5)
    today = timezone.localdate()
    result = KycDemo()
    with transaction.atomic():
        _registry(result, today, rng)
    if WatchList.objects.filter(name=DISHONEST_LIST).exists() or Application.objects.exists():
        result.skipped = True
        return result
    with transaction.atomic():
        rejected_for, listed = _lists(admin, result, today, rng)
        _applications(result, today, rng, rejected_for, listed)
        _certificate_required(admin)
    return result


# --- risk history ------------------------------------------------------------------------------
def risk_history(today: dt.date | None = None, days: int = 360, step: int = 15) -> int:
    """Replay the real scoring every ``step`` days over the past ``days`` for late payers now
    scored high (at most :data:`HISTORY_ACCOUNTS`: first those that paid on time a year ago,
    such as the history's deteriorating payers), and keep each change as RiskChange history
    dated then, so the panel shows the risk rising as the late payments accumulated. The
    current assessment (scored today) is the last point; returns the changes written."""
    from django.db.models import Count

    from xinren.risk import scoring
    from xinren.risk.models import RiskAssessment, RiskChange
    from xinren.sales.figures import LATE
    from xinren.sales.models import PaymentMilestone

    today = today or timezone.localdate()
    high = {
        account_id: company_id
        for account_id, company_id, factors in RiskAssessment.objects.filter(level="high")
        .order_by("account_id")
        .values_list("account_id", "account__company_id", "factors")[:2000]
        if any(f.get("code") == "delay_rate" for f in factors)
    }
    if not high:
        return 0
    punctual = [
        r["account_id"]
        for r in PaymentMilestone.objects.filter(
            account_id__in=list(high), due_on__lt=today - dt.timedelta(days=days - 60)
        )
        .order_by()
        .values("account_id")
        .annotate(due=Count("pk"), late=Count("pk", filter=LATE))
        if r["late"] == 0
    ]
    ids = sorted(punctual)[:HISTORY_ACCOUNTS]
    ids += [a for a in high if a not in set(ids)][: HISTORY_ACCOUNTS * 2 - len(ids)]
    points = [today - dt.timedelta(days=d) for d in range(days, 0, -step)] + [today]
    series: dict[int, list[tuple[dt.date, object]]] = {a: [] for a in ids}
    for day in points:
        for account_id, score in scoring.score_accounts(ids, day).items():
            series[account_id].append((day, score))
    rank = {"low": 0, "medium": 1, "high": 2}

    def story(account_id: int) -> tuple:
        levels = [rank[s.level] for _, s in series[account_id]]
        pairs = list(zip(levels, levels[1:], strict=False))
        rises = sum(1 for a, b in pairs if b > a)
        monotonic = all(b >= a for a, b in pairs)
        return (-monotonic, -len(set(levels)), -rises, account_id)

    chosen = [a for a in sorted(series, key=story) if story(a)[2] < 0][:HISTORY_ACCOUNTS]
    changes = []
    tz = timezone.get_current_timezone()
    for account_id in chosen:
        old = None
        for day, score in series[account_id]:
            if old is not None and (old.score, old.level) == (score.score, score.level):
                continue
            changes.append(
                RiskChange(
                    account_id=account_id,
                    old_level=old.level if old else "",
                    new_level=score.level,
                    old_score=old.score if old else None,
                    new_score=score.score,
                    factors=score.factors,
                    changed_at=dt.datetime.combine(day, dt.time(2, 0), tz),
                )
            )
            old = score
    with transaction.atomic():
        RiskChange.objects.filter(account_id__in=chosen).delete()
        RiskChange.objects.bulk_create(changes, batch_size=1000)
    return len(changes)
