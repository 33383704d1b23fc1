"""Reads of the watch lists. Lists and their entries are public registry data: anyone with
the view right may read them. Hits are customer data: a user sees only the hits of companies
in their data scope (``xinren.customers.selectors.visible_companies``)."""

from __future__ import annotations

from django.db.models import Case, DateTimeField, F, OuterRef, Q, QuerySet, Subquery, When

from xinren.customers.selectors import visible_accounts, visible_companies
from xinren.orgs.access import effective_scope, has_action
from xinren.orgs.models import Action, Scope, User
from xinren.standards.names import name_key
from xinren.standards.uscc import normalize_uscc

from .models import (
    Application,
    CertificationStandard,
    ListEntry,
    ListHit,
    RegistryRecord,
    RegistrySnapshot,
    ScreeningRun,
    WatchList,
)


def can_read_lists(user: User) -> bool:
    return has_action(user, Action.VIEW)


def watch_lists(user: User) -> QuerySet[WatchList]:
    if not can_read_lists(user):
        return WatchList.objects.none()
    return WatchList.objects.select_related("imported_by")


def list_entries(
    user: User, watch_list_id: int, q: str = "", include_removed: bool = False
) -> QuerySet[ListEntry]:
    """A list's entries, searched by name (substring or normalised name) or USCC prefix."""
    entries = ListEntry.objects.filter(
        watch_list__in=watch_lists(user), watch_list_id=watch_list_id
    )
    if not include_removed:
        entries = entries.filter(removed_on__isnull=True)
    q = (q or "").strip()
    if q:
        entries = entries.filter(
            Q(name__contains=q) | Q(name_key=name_key(q)) | Q(uscc__startswith=normalize_uscc(q))
        )
    return entries.order_by("id")


def visible_hits(
    user: User,
    *,
    status: str = "",
    state: str = "open",
    kind: str = "",
    matched_by: str = "",
    company_id: int | None = None,
    watch_list_id: int | None = None,
) -> QuerySet[ListHit]:
    """Hits on companies in the user's scope, filtered; ``state``: open, closed or all."""
    hits = ListHit.objects.filter(company__in=visible_companies(user))
    if status:
        hits = hits.filter(status=status)
    if state == "open":
        hits = hits.filter(closed_at__isnull=True)
    elif state == "closed":
        hits = hits.filter(closed_at__isnull=False)
    if kind:
        hits = hits.filter(entry__watch_list__kind=kind)
    if matched_by:
        hits = hits.filter(matched_by=matched_by)
    if company_id is not None:
        hits = hits.filter(company_id=company_id)
    if watch_list_id is not None:
        hits = hits.filter(entry__watch_list_id=watch_list_id)
    return with_last_found(
        hits.select_related("company", "entry", "entry__watch_list", "decided_by")
    ).order_by("-first_seen", "-id")


def latest_run() -> ScreeningRun | None:
    """The latest full screening of the master (None before the first)."""
    return ScreeningRun.objects.order_by("-started_at", "-id").first()


def run_counts_visible(user: User) -> bool:
    """A run's counts (matches, new, closed) are totals over the whole master: shown only to
    users whose data scope is the whole group. Others see when the master was last screened
    and how the run was started, not how many customers outside their scope are listed."""
    return effective_scope(user) == Scope.GROUP


def with_last_found(hits: QuerySet[ListHit]) -> QuerySet[ListHit]:
    """``last_found`` on each hit: when a screening last found it. A full run finds every
    hit open while it runs (it closes the others) but does not rewrite them, so a hit's is the
    later of its ``last_seen`` (written when it was inserted, reopened or its company
    screened alone) and the start of the latest full run before it was closed (any run
    for an open hit; the run that closed a hit did not find it). The only place that says
    so: the API's ``last_seen`` and the pages read ``last_found``."""
    runs = ScreeningRun.objects.order_by("-started_at", "-id").values("started_at")
    latest = Subquery(runs[:1])
    before_close = Subquery(runs.filter(started_at__lt=OuterRef("closed_at"))[:1])
    return hits.annotate(
        last_found=Case(
            When(closed_at__isnull=True, last_seen__lt=latest, then=latest),
            When(closed_at__isnull=False, last_seen__lt=before_close, then=before_close),
            default=F("last_seen"),
            output_field=DateTimeField(),
        )
    )


def hit_for(user: User, hit_id: int) -> ListHit:
    return visible_hits(user, state="all").get(pk=hit_id)


# --- certification -----------------------------------------------------------------------------
def visible_applications(user: User, *, status: str = "") -> QuerySet[Application]:
    """Certification applications of accounts in the user's data scope, newest first."""
    applications = Application.objects.filter(account__in=visible_accounts(user))
    if status:
        applications = applications.filter(status=status)
    return (
        applications.select_related("account", "account__company", "prepared_by", "decided_by")
        .prefetch_related("checks")
        .order_by("-id")
    )


def application_for(user: User, application_id: int) -> Application:
    """One application in the user's scope, or ``Application.DoesNotExist``."""
    return visible_applications(user).get(pk=application_id)


def standards(user: User) -> QuerySet[CertificationStandard]:
    if not has_action(user, Action.CONFIGURE):
        return CertificationStandard.objects.none()
    return CertificationStandard.objects.select_related("business_unit", "updated_by")


# --- business registry (工商登记) ----------------------------------------------------------------
def registry_snapshots(user: User) -> QuerySet[RegistrySnapshot]:
    """Registry imports, newest first. Public registry data: the view right suffices."""
    if not can_read_lists(user):
        return RegistrySnapshot.objects.none()
    return RegistrySnapshot.objects.select_related("imported_by").order_by("-id")


def registry_records(user: User, *, uscc: str = "", q: str = "") -> QuerySet[RegistryRecord]:
    """Registry records (public registry data, view right): by USCC exact, and/or ``q`` — a
    name substring, the same normalised name, or a USCC prefix."""
    if not can_read_lists(user):
        return RegistryRecord.objects.none()
    records = RegistryRecord.objects.select_related("snapshot")
    uscc = normalize_uscc(uscc or "")
    if uscc:
        records = records.filter(uscc=uscc)
    q = (q or "").strip()
    if q:
        code = normalize_uscc(q)
        match = Q(name__contains=q) | Q(name_key=name_key(q))
        if code.isascii() and code.isalnum():
            match |= Q(uscc__startswith=code)
        records = records.filter(match)
    return records.order_by("-id")


def registry_customers(
    user: User, records: list[RegistryRecord], limit: int = 20
) -> dict[int, list]:
    """The customers in the user's scope that each registry record describes (record id →
    companies, at most ``limit`` each): the companies with its USCC; when there are none, the
    companies without a USCC whose normalised name is the record's (a company with another
    USCC is another enterprise, whatever its name). Two queries for a whole page of records."""
    from xinren.quality.models import CompanyKey

    companies = visible_companies(user).order_by("name", "pk")
    by_uscc: dict[str, list] = {}
    for company in companies.filter(uscc__in={r.uscc for r in records}):
        by_uscc.setdefault(company.uscc, []).append(company)
    out = {r.pk: by_uscc.get(r.uscc, [])[:limit] for r in records}
    keys = {r.name_key for r in records if not out[r.pk] and r.name_key}
    if keys:
        by_key: dict[str, list] = {}
        no_uscc = Q(uscc__isnull=True) | Q(uscc="")
        keyed = CompanyKey.objects.filter(name_key__in=keys)
        for company in companies.filter(no_uscc, pk__in=keyed.values("company_id")).annotate(
            key=Subquery(keyed.filter(company_id=OuterRef("pk")).values("name_key")[:1])
        ):
            by_key.setdefault(company.key, []).append(company)
        for r in records:
            if not out[r.pk] and r.name_key:
                out[r.pk] = by_key.get(r.name_key, [])[:limit]
    return out
