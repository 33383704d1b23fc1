"""Money rules: the one amount check and the one currency check every input path uses
(services, API, pages, imports). Amounts are ``Decimal``; a float is refused, never
converted, because ``0.1`` as a float is not ten fen."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from xinren.core.errors import field_error

# No single contract, order or payment of a customer reaches a trillion yuan: above that an
# amount is a typo (a pasted account number, a misplaced separator), not money.
MAX_AMOUNT = Decimal("1000000000000")
CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# ISO 4217 codes in active use that a Chinese enterprise group invoices in. Anything else of
# three letters is refused as unknown (a typo such as "RMB" for CNY, or "YUN").
CURRENCIES = {
    "CNY", "HKD", "MOP", "TWD", "USD", "EUR", "GBP", "JPY", "KRW", "SGD", "AUD", "CAD", "CHF",
    "NZD", "SEK", "NOK", "DKK", "RUB", "INR", "IDR", "MYR", "THB", "VND", "PHP", "AED", "SAR",
    "BRL", "MXN", "ZAR", "TRY", "PLN", "CZK", "HUF", "KZT", "PKR", "BDT", "LKR", "EGP", "NGN",
}  # fmt: skip


def parse_amount(
    value,
    field: str,
    *,
    allow_zero: bool = False,
    allow_negative: bool = False,
    required: bool = True,
) -> Decimal | None:
    """``value`` (Decimal, int or text) as a Decimal of at most two decimals, or a field error
    naming ``field`` and the rule: ``required``, ``type`` (float or not a number),
    ``decimal_places``, ``positive``/``not_negative``, ``max_value``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise field_error(field, _("请填写金额。"), "required")
        return None
    if isinstance(value, float | bool):
        raise field_error(field, _("金额须以十进制文本或 Decimal 提供，不接受浮点数。"), "type")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error(field, _("金额不是有效的数字。"), "type") from None
    if not amount.is_finite():
        raise field_error(field, _("金额不是有效的数字。"), "type")
    if amount < 0 and not allow_negative:
        raise field_error(field, _("金额不能为负数。"), "not_negative")
    if amount == 0 and not allow_zero:
        raise field_error(field, _("金额必须大于零。"), "positive")
    if abs(amount) >= MAX_AMOUNT:
        raise field_error(field, _("金额过大（不能达到一万亿），请检查是否输入有误。"), "max_value")
    # "12.500" is twelve and a half yuan; "12.345" is not money.
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        raise field_error(field, _("金额最多两位小数（精确到分）。"), "decimal_places")
    return amount.quantize(CENT)


def parse_currency(value, field: str = "currency") -> str:
    """An ISO 4217 code (three letters, upper-cased); empty means CNY."""
    code = (value or "").strip().upper() or DEFAULT_CURRENCY
    if not _CURRENCY.match(code):
        raise field_error(field, _("币种应为三个字母的 ISO 4217 代码，例如 CNY。"), "iso4217")
    if code not in CURRENCIES:
        raise field_error(field, _("不支持的币种代码：%(code)s。") % {"code": code}, "iso4217")
    return code


def label(amount: Decimal, currency: str = DEFAULT_CURRENCY) -> str:
    """``¥12,345.60`` for yuan (as the demo writes timeline titles), ``USD 1,000.00`` else."""
    text = f"{amount:,.2f}"
    return f"¥{text}" if currency == DEFAULT_CURRENCY else f"{currency} {text}"
