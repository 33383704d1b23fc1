"""The one hook through which a credit policy vets a new contract or order.

Sales calls :func:`check_credit` from ``create_contract`` and ``create_order`` (so the pages,
the API and the order import are all covered). The policy itself lives in ``xinren.risk``,
which reads sales' payment figures and so sits *above* sales: sales must not import it.
Risk registers its check here when the app starts (``RiskConfig.ready``). A check raises a
field-named ``ValidationError`` to refuse; nothing is written then.
"""

from __future__ import annotations

from collections.abc import Callable

CreditCheck = Callable[..., None]
_checks: list[CreditCheck] = []


def register_credit_check(check: CreditCheck) -> CreditCheck:
    if check not in _checks:
        _checks.append(check)
    return check


def check_credit(*, account, kind: str, values: dict) -> None:
    """``kind`` is ``"contract"`` or ``"order"``; ``values`` the validated fields about to be
    stored (a contract: payment_terms, credit_days, amount, currency; an order: amount,
    currency, contract)."""
    for check in _checks:
        check(account=account, kind=kind, values=values)
