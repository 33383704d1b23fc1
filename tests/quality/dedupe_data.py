"""Companies for the batch detection tests: obvious duplicates any engine finds (the same
normalised name, the same phone with a near-identical name) and unrelated companies none
pairs. The second record of each duplicate has no USCC (entered without one, as happens):
two different valid USCCs are two legal entities, and the engine counts that against a pair."""

from __future__ import annotations

from tests import factories
from xinren.customers.models import Company

OBVIOUS = {
    # key: (name, extra company fields)
    "hw_sh": ("上海华为技术有限公司", {"region_code": "310101"}),
    "hw_br": ("华为技术（上海）有限公司", {"region_code": "310101", "legal_rep": "张伟"}),
    "ht_1": ("恒泰物流有限公司", {"phone": "13812345678"}),
    "ht_2": ("恒泰物流运输有限公司", {"phone": "13812345678"}),
    "lone_1": ("长江食品有限公司", {}),
    "lone_2": ("黄山旅游开发有限公司", {}),
}

WITHOUT_USCC = {"hw_sh", "ht_1"}


def make_companies(owner, only: set[str] | None = None) -> dict:
    """The companies above, owned by ``owner``; returns key → Company."""
    out = {}
    for key, (name, extra) in OBVIOUS.items():
        if only is None or key in only:
            out[key] = factories.make_customer(owner, name=name, **extra).company
            if key in WITHOUT_USCC:
                Company.objects.filter(pk=out[key].pk).update(uscc=None)
                out[key].uscc = None
    return out


def pair_of(pairs, x, y):
    """The stored pair of two companies, or None."""
    a, b = sorted((x.pk, y.pk))
    return next((p for p in pairs if (p.company_a_id, p.company_b_id) == (a, b)), None)
