"""Writes of batch duplicate detection: a detection run over the whole golden master, and the
steward's decision on a pair.

Rights: starting a run and deciding a pair both need **merge** (合并): they are the data
steward's work, and department heads hold that right without holding *configure*. A run
compares the whole master but shows nothing by itself; what a steward then reads of it is
scoped (:mod:`.selectors_dedupe`: a pair only when both companies are in scope).

Remembered decisions: pairs are stored once per unordered pair (``a < b``). A later run
refreshes the score, reasons and run of pairs still *open* or *unsure*, never touches a pair
decided *same*, *different* or *merged*, and removes *open* pairs it no longer finds (a name
was corrected): the queue is what the latest complete run found, plus every decision.

Memory: matches stream from the engine and are written in batches of :data:`BATCH` (each in
its own transaction), so the job holds one batch of pairs, not the result set.
"""

from __future__ import annotations

import inspect
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from itertools import islice

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.audit.services import record_change
from xinren.core.errors import field_error
from xinren.customers.models import Company
from xinren.jobs.models import JobStatus
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User

from . import matching
from .models import DedupeRun, DuplicatePair, PairStatus
from .selectors_dedupe import pair_for

BATCH = 400  # pairs per write (2 ids each stay under SQLite's variable limit per query)
MIN_THRESHOLD = 50
MAX_THRESHOLD = 100
# A run still unfinished after this long lost its process (the jobs housekeeping fails such
# jobs after the same time): it no longer blocks a new one.
STALE_RUN = timedelta(hours=6)
DECISIONS = (PairStatus.SAME, PairStatus.DIFFERENT, PairStatus.UNSURE)
REFRESHED = (PairStatus.OPEN, PairStatus.UNSURE)  # a run may update these; the rest is kept
NOTE_MAX = 200


def clean_threshold(value) -> int:
    """The score a pair needs to be listed: an integer 50–100 (the engine's default when
    empty)."""
    if value is None or value == "":
        return matching.DEFAULT_THRESHOLD
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not MIN_THRESHOLD <= number <= MAX_THRESHOLD:
        raise field_error(
            "threshold",
            _("阈值必须是 %(lo)d 到 %(hi)d 之间的整数。")
            % {"lo": MIN_THRESHOLD, "hi": MAX_THRESHOLD},
            "range",
        )
    return number


def running_run() -> DedupeRun | None:
    """The detection run in progress, if any (one at a time: two would race on the pairs)."""
    return (
        DedupeRun.objects.filter(
            finished_at__isnull=True, started_at__gte=timezone.now() - STALE_RUN
        )
        .exclude(job__status__in=[JobStatus.DONE, JobStatus.FAILED])
        .exclude(parameters__has_key="error")
        .first()
    )


def _new_run(actor: User | None, threshold: int) -> DedupeRun:
    if running_run() is not None:
        raise field_error(
            "run", _("另一次批量查重正在进行，请等它结束后再开始。"), "already_running"
        )
    return DedupeRun.objects.create(
        created_by=actor if actor is not None and actor.pk else None,
        parameters={"threshold": threshold},
    )


def start_detection(*, actor: User, threshold=None, language: str = "zh-hans") -> DedupeRun:
    """Record a run and start it in the background worker (progress on its job)."""
    from xinren.jobs.services import submit

    require_action(actor, Action.MERGE)
    threshold = clean_threshold(threshold)
    run = _new_run(actor, threshold)
    job = submit(
        "dedupe", actor, "xinren.quality.tasks.detect_duplicates",
        run_id=run.pk, actor_id=actor.pk, language=language,
    )  # fmt: skip
    DedupeRun.objects.filter(pk=run.pk).update(job=job)
    run.refresh_from_db()
    return run


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _store(run: DedupeRun, matches: list[matching.Match], tally: Counter) -> None:
    """Upsert one batch of matches (one transaction)."""
    ids = {m.a for m in matches} | {m.b for m in matches}
    with transaction.atomic():
        alive = set(Company.objects.filter(pk__in=ids).values_list("pk", flat=True))
        existing = {
            (a, b): (pk, status)
            for pk, a, b, status in DuplicatePair.objects.filter(
                company_a_id__in={m.a for m in matches}, company_b_id__in={m.b for m in matches}
            ).values_list("pk", "company_a_id", "company_b_id", "status")
        }
        new: list[DuplicatePair] = []
        refresh: dict[tuple[int, str], list[int]] = defaultdict(list)  # same values, one UPDATE
        for m in matches:
            if m.a not in alive or m.b not in alive:
                continue  # deleted (or merged away) while the run read the master
            a, b = min(m.a, m.b), max(m.a, m.b)
            reasons = [{"code": r.code, "score": r.score} for r in m.reasons]
            for r in m.reasons:
                tally[f"reason:{r.code}"] += 1
            tally["found"] += 1
            found = existing.get((a, b))
            if found is None:
                new.append(
                    DuplicatePair(
                        company_a_id=a, company_b_id=b, score=m.score, reasons=reasons, run=run
                    )
                )
            elif found[1] in REFRESHED:
                refresh[(m.score, json.dumps(reasons, ensure_ascii=False))].append(found[0])
            else:
                tally["remembered"] += 1  # decided before: the decision stands
        # Another run cannot be inserting meanwhile (one at a time), but ignore_conflicts
        # keeps even that race from failing the batch.
        DuplicatePair.objects.bulk_create(new, ignore_conflicts=True)
        # Grouped by value: pairs of a batch share few (score, reasons) combinations, and one
        # UPDATE … WHERE id IN (…) per combination is far cheaper than bulk_update's CASE.
        for (score, reasons_json), pks in refresh.items():
            DuplicatePair.objects.filter(pk__in=pks, status__in=REFRESHED).update(
                score=score, reasons=json.loads(reasons_json), run=run
            )
        tally["new"] += len(new)


def _counting(records: Iterable[matching.Record], tally: Counter) -> Iterator[matching.Record]:
    for record in records:
        tally["companies"] += 1
        yield record


def run_detection(
    *,
    actor: User | None,
    threshold=None,
    on_progress: Callable[..., None] | None = None,
    run: DedupeRun | None = None,
) -> DedupeRun:
    """Detect duplicate pairs across the whole master and store them (synchronously: the
    background task and ``xinren dedupe`` call this). ``actor`` None is the system (the
    command line on the server); a user needs the merge right. Returns the finished run."""
    if actor is not None:
        require_action(actor, Action.MERGE)
    if run is None:
        threshold = clean_threshold(threshold)
        run = _new_run(actor, threshold)
    else:
        threshold = clean_threshold(run.parameters.get("threshold"))
    tally: Counter = Counter()
    total = Company.objects.count()
    DedupeRun.objects.filter(pk=run.pk).update(companies=total)

    def progress(done: int, count: int) -> None:
        if on_progress is not None:
            on_progress(done, count, _("已比较 %(n)d 个分组") % {"n": done})

    options: dict = {"threshold": threshold, "on_progress": progress}
    stats: dict = {}
    if "stats" in inspect.signature(matching.find_pairs).parameters:
        options["stats"] = stats  # the engine counts the pairs it compared
    try:
        records = _counting(matching.company_records(), tally)
        for chunk in _batches(matching.find_pairs(records, **options), BATCH):
            _store(run, chunk, tally)
        # Open pairs this complete run did not find again are no longer candidates.
        gone = (
            DuplicatePair.objects.filter(status=PairStatus.OPEN)
            .filter(Q(run__isnull=True) | ~Q(run=run))
            .delete()[0]
        )
    except Exception as exc:
        DedupeRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            parameters={**run.parameters, "error": str(exc)[:500] or exc.__class__.__name__},
        )
        raise
    by_reason = {k.split(":", 1)[1]: v for k, v in sorted(tally.items()) if k.startswith("reason:")}
    DedupeRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        companies=tally["companies"],
        compared=stats.get("compared", 0),
        pairs_found=tally["found"],
        pairs_new=tally["new"],
        parameters={
            **run.parameters,
            "by_reason": by_reason,
            "remembered": tally["remembered"],
            "removed": gone,
        },
    )
    run.refresh_from_db()
    return run


def decide_pair(*, actor: User, pair: DuplicatePair, status: str, note: str = "") -> DuplicatePair:
    """Record the steward's decision on a pair they can see both sides of: same, different or
    unsure (a decision may be changed until the pair is merged). In the change history of both
    companies."""
    require_action(actor, Action.MERGE)
    if status not in DECISIONS:
        raise field_error("status", _("决定只能是：同一企业、不同企业或不确定。"), "choice")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise field_error("note", _("备注不能超过 %(n)d 个字符。") % {"n": NOTE_MAX}, "max_length")
    with transaction.atomic():
        # Scope again, and the row locked: the same decision twice is one history entry.
        pair = pair_for(actor, pair.pk, lock=True)
        if pair.status == PairStatus.MERGED:
            raise field_error("status", _("这两家企业已合并，不能再更改决定。"), "merged")
        before = {"status": pair.status, "note": pair.note}
        pair.status, pair.note = status, note
        pair.decided_by, pair.decided_at = actor, timezone.now()
        pair.save(update_fields=["status", "note", "decided_by", "decided_at"])
        after = {"status": pair.status, "note": pair.note}
        for company_id in (pair.company_a_id, pair.company_b_id):
            record_change(
                actor=actor,
                action="update",
                instance=pair,
                before=before,
                after=after,
                company_id=company_id,
            )
    return pair
