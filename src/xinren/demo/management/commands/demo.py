"""``xinren demo``: load a demo group and its customers.

Creates (through the org services) the group HQ 信任集团 with three subsidiaries and their
departments, 25 users across all seven built-in roles plus the superuser ``admin`` (password
``Xinren-demo-2026`` for every demo user), then N customers in bulk: companies with valid
USCCs, 1–2 accounts each in different subsidiaries (archive numbers from the real allocator),
service teams, contacts, a change-history entry per company and the search index; then
three years of relationship history for the new accounts (``xinren.demo.history``: tiers,
interactions, contracts, orders with seasonality, payment milestones and receipts with
realistic late payers, and the customer timeline) unless ``--no-history``.

Running it again adds N more customers (new names and USCCs; the org tree and users are
reused, their passwords left as they are). ``--if-empty`` does nothing when any customer
exists — ``make run`` uses it to load the demo once.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from xinren.customers.models import Company
from xinren.demo import generator, history
from xinren.demo.org import DEMO_PASSWORD, build_world


def _migrate_if_needed() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


class Command(BaseCommand):
    help = (
        "Load a demo group (HQ, three subsidiaries, 25 users in all roles plus superuser "
        f"'admin', password {DEMO_PASSWORD}) and N customers. Run again, it adds N more "
        "customers and reuses the org tree and users; with --if-empty it does nothing when "
        "any customer exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--companies", type=int, default=2000, help="customers to create (default 2000)"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=generator.DEFAULT_SEED,
            help=f"random seed; the same seed gives the same data (default {generator.DEFAULT_SEED})",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any customer exists already"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=generator.BATCH_SIZE,
            help="companies per transaction (default %(default)s)",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="customers only: no tiers, interactions, contracts, orders, payments, timeline",
        )
        parser.add_argument(
            "--history-years",
            type=int,
            default=history.DEFAULT_YEARS,
            help="years of relationship history per new account (default %(default)s)",
        )

    def handle(
        self,
        *args,
        companies,
        seed,
        if_empty,
        batch_size,
        no_migrate,
        no_history=False,
        history_years=history.DEFAULT_YEARS,
        **options,
    ):
        if companies < 0:
            raise CommandError("--companies must be 0 or more")
        if history_years < 1:
            raise CommandError("--history-years must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if not no_migrate:
            _migrate_if_needed()
        existing = Company.objects.count()
        if if_empty and existing:
            self.stdout.write(
                f"Demo data not loaded: the database already has {existing:,} customers."
            )
            return
        began = time.monotonic()
        world = build_world()
        self.stdout.write(f"Org tree and users ready ({time.monotonic() - began:.1f} s).")
        quiet = companies <= batch_size

        def progress(done: int, total: int, elapsed: float) -> None:
            if not quiet:
                rate = done / elapsed if elapsed else 0
                self.stdout.write(
                    f"  {done:>10,} / {total:,} customers  {elapsed:7.1f} s  ({rate:,.0f}/s)"
                )

        try:
            written = generator.generate(
                world,
                companies,
                seed=seed,
                offset=existing,
                batch_size=batch_size,
                progress=progress,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Created {written:,} customers in {time.monotonic() - began:.1f} s "
            f"(now {existing + written:,} in all)."
        )
        if not no_history:
            self._history(seed, history_years, quiet)
            self._quality()
            self._kyc(world, seed)
            self._risk()
        self._print_users(world)

    def _quality(self) -> None:
        from xinren.quality.measures import demo as quality_demo

        began = time.monotonic()
        result = quality_demo.load()
        self.stdout.write(
            f"Data-quality scores of {result['accounts']:,} accounts, today's snapshot and "
            f"{quality_demo.WEEKS} weeks of demo trend ({time.monotonic() - began:.1f} s)."
        )

    def _kyc(self, world, seed: int) -> None:
        from xinren.demo import kyc

        began = time.monotonic()
        result = kyc.load(world.admin, seed)
        states = ", ".join(result.applications) or "none (loaded before)"
        self.stdout.write(
            f"Certification: {result.registry_records:,} registry records, "
            f"{result.list_entries} list entries with {result.hits} hits, applications: {states}; "
            f"certificate required before contracting in {kyc.REQUIRED_IN} "
            f"({time.monotonic() - began:.1f} s)."
        )

    def _risk(self) -> None:
        """Score every account once, as the daily job would tonight, so the risk pages show
        the customers whose payments slipped during the demo history (no alerts: nothing
        changed, this is the first score)."""
        from xinren.risk import scoring

        began = time.monotonic()
        from xinren.demo.kyc import risk_history

        result = scoring.rescore(alert=False)
        replayed = risk_history()
        levels = ", ".join(f"{k} {v:,}" for k, v in sorted(result.by_level.items()))
        self.stdout.write(
            f"Risk scores of {result.scored:,} accounts ({levels}), "
            f"{replayed} past changes of the late payers replayed "
            f"({time.monotonic() - began:.1f} s)."
        )

    def _history(self, seed: int, years: int, quiet: bool) -> None:
        began = time.monotonic()

        def progress(done: int, elapsed: float) -> None:
            if not quiet and done % 10000 < history.ACCOUNT_BATCH:
                self.stdout.write(f"  {done:>10,} accounts' history  {elapsed:7.1f} s")

        counts = history.generate_history(seed=seed, years=years, progress=progress)
        labels = [
            ("interactions", "interactions"),
            ("contracts", "contracts"),
            ("orders", "orders"),
            ("order_lines", "order lines"),
            ("milestones", "payment milestones"),
            ("receipts", "receipts"),
            ("timeline_events", "timeline events"),
            ("tier_changes", "tier changes"),
        ]
        self.stdout.write(
            f"History of {years} year{'s' if years > 1 else ''} for {counts.get('tiers', 0):,} accounts: "
            + ", ".join(f"{counts.get(key, 0):,} {label}" for key, label in labels)
            + f" ({time.monotonic() - began:.1f} s)."
        )

    def _print_users(self, world) -> None:
        rows = [("sign-in name", "password", "role", "unit", "name")]
        for demo in world.users:
            u = demo.user
            role = (
                "superuser + " + u.role.name if u.is_superuser else (u.role.name if u.role else "")
            )
            unit = u.org_unit.name if u.org_unit else ""
            if u.org_unit and u.org_unit.business_unit_id and u.org_unit.kind == "department":
                unit = f"{u.org_unit.business_unit.name} / {unit}"
            rows.append((u.username, demo.password or "(unchanged)", role, unit, u.full_name))
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        self.stdout.write("")
        for i, row in enumerate(rows):
            self.stdout.write(
                "  ".join(
                    cell + " " * (widths[j] - _width(cell)) for j, cell in enumerate(row)
                ).rstrip()
            )
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(
            f"\nEvery demo user signs in with the password {DEMO_PASSWORD} "
            "(users that existed before this run keep theirs)."
        )


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
