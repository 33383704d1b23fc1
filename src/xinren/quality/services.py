"""Writes of the quality package. For now: the lookup keys the duplicate check reads, kept in
step with the golden master by ``xinren.customers.services`` (one call, same transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xinren.core.bulk import Table
from xinren.customers.models import Company
from xinren.standards.names import key_pinyin, name_key
from xinren.standards.phone import phone_digits

from .models import CompanyKey

KEY_COLUMNS = ["company_id", "name_key", "pinyin_key", "phone_digits", "has_uscc"]


def _key(
    company_id: int, name: str, phone: str, key: str | None = None, has_uscc: bool = False
) -> CompanyKey:
    key = name_key(name) if key is None else key
    return CompanyKey(
        company_id=company_id,
        name_key=key,
        pinyin_key=key_pinyin(key),
        phone_digits=phone_digits(phone)[:24],
        has_uscc=has_uscc,
    )


def index_company(company: Company) -> None:
    """Insert or refresh one company's keys (call inside the company write's transaction).
    Not a user action, so no rights check: the customer service calling it has checked."""
    key = _key(company.pk, company.name, company.phone or "", has_uscc=bool(company.uscc))
    CompanyKey.objects.update_or_create(
        company_id=company.pk,
        defaults={
            "name_key": key.name_key,
            "pinyin_key": key.pinyin_key,
            "phone_digits": key.phone_digits,
            "has_uscc": key.has_uscc,
        },
    )


def index_companies(company_ids: Sequence[int]) -> int:
    """Rewrite the keys of these companies in bulk (demo data, back-fills)."""
    rows = Company.objects.filter(pk__in=list(company_ids)).values_list("id", "name", "phone")
    return write_keys(rows)


def write_keys(rows: Iterable[tuple]) -> int:
    """Rewrite the keys of ``(id, name, phone)`` rows, or ``(id, name, phone, name_key)``
    when the caller has the name key at hand already (an import computed it to match).
    Whether each company has a USCC is read from the stored company (write it first)."""
    rows = list(rows)
    coded = set(
        Company.objects.filter(pk__in=[r[0] for r in rows])
        .exclude(uscc=None)
        .exclude(uscc="")
        .values_list("pk", flat=True)
    )
    keys = [
        _key(pk, name, phone or "", *rest, has_uscc=pk in coded) for pk, name, phone, *rest in rows
    ]
    CompanyKey.objects.filter(pk__in=[k.company_id for k in keys]).delete()
    Table(CompanyKey, KEY_COLUMNS).insert(
        [(k.company_id, k.name_key, k.pinyin_key, k.phone_digits, k.has_uscc) for k in keys]
    )
    return len(keys)


def backfill_keys(batch: int = 5000) -> int:
    """Keys for every company that has none (migration, bench, after a bulk load)."""
    done, last = 0, 0
    while True:
        rows = list(
            Company.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("id", "name", "phone")[:batch]
        )
        if not rows:
            return done
        last = rows[-1][0]
        have = set(
            CompanyKey.objects.filter(pk__gt=rows[0][0] - 1, pk__lte=last).values_list(
                "pk", flat=True
            )
        )
        done += write_keys([r for r in rows if r[0] not in have])


# --- uploads of the customer import, kept between "check" and "import" -----------------------
def stash_upload(*, actor, content: bytes) -> str:
    """Keep an uploaded import file for its owner; returns the token naming it (the file is
    removed by the hourly housekeeping after a day)."""
    import uuid

    from xinren.core.tables import stash_dir

    folder = stash_dir()
    folder.mkdir(parents=True, exist_ok=True)
    token = f"c{actor.pk}-{uuid.uuid4().hex}"
    (folder / token).write_bytes(content)
    return token


def stashed_path(*, actor, token: str):
    """The stashed file of this token if it is the actor's own, else ``None``."""
    import re

    from xinren.core.tables import stash_dir

    if not re.fullmatch(rf"c{actor.pk}-[0-9a-f]{{32}}", token or ""):
        return None
    path = stash_dir() / token
    return path if path.is_file() else None
