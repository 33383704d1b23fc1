"""Where a customer that no longer exists went: the one hook through which the customer page
follows a merged-away company to the company that absorbed it.

Links to a customer outlive the customer: notifications, e-mails, bookmarks, exported lists.
When two golden records are merged (``xinren.quality.merging``), the other company's id
disappears; its page then redirects to the survivor instead of saying "not found". Quality
keeps the merge records and sits above customers, so customers must not import it: quality
registers its lookup here when the app starts (``QualityConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable

SuccessorLookup = Callable[[int], int | None]
_lookups: list[SuccessorLookup] = []


def register_successor_lookup(lookup: SuccessorLookup) -> SuccessorLookup:
    if lookup not in _lookups:
        _lookups.append(lookup)
    return lookup


def successor_of(company_id: int, *, depth: int = 10) -> int | None:
    """The id of the company that now stands for ``company_id`` (following merge chains up to
    ``depth`` steps), or None when nothing took it over."""
    seen = {company_id}
    current = None
    for _ in range(depth):
        found = next((s for s in (lookup(current or company_id) for lookup in _lookups) if s), None)
        if found is None or found in seen:
            break
        seen.add(found)
        current = found
    return current
