"""Every read of customer data that respects data scope. Pages, the API, exports, search
and jobs all start here; nothing else builds a customer queryset for a user."""

from __future__ import annotations

import re

from django.db.models import BooleanField, Exists, F, Func, OuterRef, Prefetch, Q, QuerySet

from xinren.audit.models import ChangeLog
from xinren.orgs.access import ScopeSpec, has_action, user_scope
from xinren.orgs.models import Action, User
from xinren.standards.names import normalize_company_name

from . import search
from .models import Company, Contact, CustomerAccount, Document, ServiceAssignment


def account_scope_q(spec: ScopeSpec, prefix: str = "") -> Q:
    """The data-scope rule as a filter on any table that has (or reaches through ``prefix``)
    the account fields owner, owner_unit and business_unit. The one place the rule lives."""
    if spec.nothing:
        return Q(pk__in=[])
    if spec.everything:
        return Q()
    # A correlated EXISTS probes the (user, account) index per row; ``id IN (SELECT …)`` made
    # the database build the whole list of the user's assignments (thousands for a busy
    # service agent or head) on every query.
    served = Exists(
        ServiceAssignment.objects.filter(user_id=spec.user_id, account_id=OuterRef(f"{prefix}pk"))
    )
    q = Q(**{f"{prefix}owner_id": spec.user_id}) | Q(served)
    if spec.unit_path is not None:
        # The owning unit's materialised path, joined per row: no separate subtree query.
        q |= Q(**{f"{prefix}owner_unit__path__startswith": spec.unit_path})
    if spec.business_unit_id is not None:
        q |= Q(**{f"{prefix}business_unit_id": spec.business_unit_id})
    return q


def visible_accounts(user: User) -> QuerySet[CustomerAccount]:
    if not has_action(user, Action.VIEW):
        return CustomerAccount.objects.none()
    return CustomerAccount.objects.filter(account_scope_q(user_scope(user)))


def visible_companies(user: User) -> QuerySet[Company]:
    """Companies with at least one account in the user's scope (all of them for group scope,
    including companies no business unit has an account with yet)."""
    if not has_action(user, Action.VIEW):
        return Company.objects.none()
    spec = user_scope(user)
    if spec.everything:
        return Company.objects.all()
    accounts = CustomerAccount.objects.filter(account_scope_q(spec), company_id=OuterRef("pk"))
    return Company.objects.filter(Exists(accounts))


def company_for(user: User, company_id: int) -> Company:
    """One company the user may see, or ``Company.DoesNotExist`` (also when out of scope: a
    user must not learn that a customer outside their scope exists)."""
    return visible_companies(user).get(pk=company_id)


def account_for(user: User, account_id: int) -> CustomerAccount:
    return (
        visible_accounts(user)
        .select_related("company", "owner", "owner_unit", "business_unit")
        .get(pk=account_id)
    )


def with_visible_accounts(user: User, companies: QuerySet[Company]) -> QuerySet[Company]:
    """Prefetch, per company, only the accounts the user may see (one extra query)."""
    return companies.prefetch_related(
        Prefetch(
            "accounts",
            queryset=visible_accounts(user)
            .select_related("owner", "owner_unit", "business_unit")
            .order_by("id"),
            to_attr="visible_accounts",
        )
    )


def prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix`` as a range both databases answer from a B-tree index
    (``LIKE 'x%'`` is not indexable on SQLite by default, nor on PostgreSQL outside the C
    collation)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


_USCC_PREFIX = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{4,18}$")
_ARCHIVE_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{2}-\d{0,4}(-\d*)?$")


class _RowMatches(Func):
    """A per-row "this company matches" probe as a filter expression, correlated through
    ``pk`` (so the right table alias is used wherever the queryset ends up): the gram
    table's primary key for Chinese phrases, else the full-text index."""

    output_field = BooleanField()

    def __init__(self, pq: search.ParsedQuery, gq: search.GramQuery | None = None):
        super().__init__(F("pk"))
        self.pq, self.gq = pq, gq

    def as_sql(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        if self.gq is not None:
            sql, params = search.gram_row_sql(self.gq, pk_sql)
        else:
            sql, params = search.row_match_sql(self.pq, pk_sql)
        return sql, [*params, *pk_params]


def _ids_or(query: QuerySet) -> list[int] | None:
    cap = search.CANDIDATE_CAP
    ids = list(
        query.values_list("pk" if query.model is Company else "company_id", flat=True).order_by()[
            : cap + 1
        ]
    )
    return None if len(ids) > cap else ids


def _newest_matches(pq: search.ParsedQuery, gq, cap: int) -> list[int]:
    """Ids of the newest ``cap + 1`` companies whose name, contacts or pinyin match."""
    if gq is not None:
        return search.gram_newest_ids(gq, cap + 1)
    return search.newest_ids(pq, cap + 1)


def search_companies(
    user: User, q: str, base: QuerySet[Company] | None = None
) -> QuerySet[Company]:
    """Scoped search: name substring (Chinese), pinyin full and initials, contact name,
    USCC prefix, archive number prefix, contact phone prefix.

    Lists are ordered newest first (``-id``). The name/contact/pinyin match is fetched as
    the ids of the newest ``search.CANDIDATE_CAP + 1`` matches, read from an index in id
    order with an early stop. At most ``CANDIDATE_CAP`` of them: that is the whole answer.
    More: the term is common, and the filter becomes "one of the newest ``CANDIDATE_CAP``
    matches, or older than the last of them and matching by a per-row index probe" — a first
    page (newest first) is found inside the list without any probe, and only a narrow scope,
    a deep page or an export reaches the probes. Codes (USCC, archive, phone) are a short
    id list or, when there are too many, a plain filter. Either way the filter means exactly
    "matches"; only the plan differs, and no query evaluates a common term in full or scans
    every company for a rare one."""
    companies = visible_companies(user) if base is None else base
    pq = search.parse(q)
    if not pq.text:
        return companies
    ids: set[int] = set()
    conditions = Q(pk__in=[])
    if pq.words:
        cap = search.CANDIDATE_CAP
        if user_scope(user).everything:
            cap = min(cap, search.GROUP_SCOPE_CAP)
        word_pq = pq  # the words matched: as typed, or their normalised core
        gq = search.gram_query(word_pq)
        newest = _newest_matches(word_pq, gq, cap)
        if not newest:
            # Nothing has the name as typed: look for its normalised core instead, so a
            # registered name written differently (华为技术（上海）有限公司) still finds the
            # company (上海华为技术有限公司) — the normaliser the duplicate check uses.
            core = search.parse(normalize_company_name(q))
            if core.words and core.words != pq.words:
                word_pq, gq = core, search.gram_query(core)
                newest = _newest_matches(word_pq, gq, cap)
        ids.update(newest[:cap])
        if len(newest) > cap:
            oldest_listed = newest[cap - 1] if cap else newest[0] + 1
            conditions |= Q(pk__lt=oldest_listed) & Q(_RowMatches(word_pq, gq))
    parts: list[tuple[QuerySet, Q]] = []
    code = pq.code.replace(" ", "")
    # A USCC prefix has a digit in it (pure letters are pinyin) and only USCC characters.
    if _USCC_PREFIX.match(code) and any(c.isdigit() for c in code[:4]):
        parts.append((Company.objects.filter(prefix_q("uscc", code)), prefix_q("uscc", code)))
    if _ARCHIVE_PREFIX.match(code):
        archived = CustomerAccount.objects.filter(account_scope_q(user_scope(user))).filter(
            prefix_q("archive_no", code)
        )
        parts.append((archived, Q(pk__in=archived.values("company_id"))))
    compact_text = re.sub(r"[\s-]", "", pq.text)
    if len(pq.digits) >= 4 and pq.digits == compact_text:
        phoned = Contact.objects.filter(prefix_q("phone_digits", pq.digits))
        parts.append((phoned, Q(pk__in=phoned.values("company_id"))))
    for query, fallback in parts:
        found = _ids_or(query)
        if found is None:
            conditions |= fallback
        else:
            ids.update(found)
    if ids:
        conditions |= Q(pk__in=sorted(ids))
    return companies.filter(conditions)


def visible_contacts(user: User, company: Company) -> QuerySet[Contact]:
    return company_for(user, company.pk).contacts.all()


def contact_for(user: User, contact_id: int) -> Contact:
    """One contact of a company the user may see, or ``Contact.DoesNotExist``."""
    return (
        Contact.objects.filter(company__in=visible_companies(user))
        .select_related("company")
        .get(pk=contact_id)
    )


def document_for(user: User, document_id: int) -> Document:
    """One document the user may see (see :func:`visible_documents`), or DoesNotExist."""
    doc = Document.objects.select_related("company", "account").filter(pk=document_id).first()
    if doc is None or not visible_documents(user, doc.company).filter(pk=doc.pk).exists():
        raise Document.DoesNotExist(document_id)
    return doc


def visible_documents(user: User, company: Company) -> QuerySet[Document]:
    """Company-level documents, plus account documents of accounts the user may see; none at
    all when the company itself is outside the user's scope."""
    accounts = visible_accounts(user).filter(company=company).values("id")
    visible = visible_companies(user).filter(pk=company.pk).values("pk")
    return Document.objects.filter(company=company, company_id__in=visible).filter(
        Q(account__isnull=True) | Q(account_id__in=accounts)
    )


def company_history(user: User, company: Company) -> QuerySet[ChangeLog]:
    """History of the company, its contacts and documents, and of the accounts in scope."""
    accounts = list(visible_accounts(user).filter(company=company).values_list("id", flat=True))
    return ChangeLog.objects.filter(company_id=company.pk).filter(
        Q(account_id__isnull=True) | Q(account_id__in=accounts)
    )


def can_see_sensitive(user: User) -> bool:
    return has_action(user, Action.VIEW_SENSITIVE)
