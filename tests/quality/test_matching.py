"""Batch duplicate detection (``xinren.quality.matching``): quality on a generated labelled
set, every variant kind found, look-alikes kept apart, reason codes, progress, and the
records read from the master."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests import factories
from tests.quality.labelled import CORE_KINDS, NEGATIVE_KINDS, generate, uscc_checked
from xinren.customers import services as customer_services
from xinren.customers.models import Company
from xinren.quality.matching import Record, company_records, find_pairs, reason_label
from xinren.standards.uscc import ALPHABET, generate_uscc


@pytest.fixture(scope="module")
def labelled():
    data = generate(2000, seed=7, dup_share=0.2, neg_share=0.2)
    records = [
        Record(r.id, r.name, r.uscc, r.phone, r.region_code, r.legal_rep, r.address)
        for r in data.records
    ]
    found = {(m.a, m.b): m for m in find_pairs(records)}
    return data, found


def test_generated_set_is_what_it_says(labelled):
    data, _ = labelled
    kinds = {r.kind for r in data.records}
    assert {"original", *CORE_KINDS, "suffix", "region", "bracket", *NEGATIVE_KINDS} <= kinds
    assert len(data.true_pairs()) > 300
    copies = [r for r in data.records if r.kind in CORE_KINDS and r.uscc]
    assert any(not uscc_checked(r.uscc) for r in copies)  # some copies carry a mistyped code
    assert generate(300, seed=7).records == generate(300, seed=7).records  # deterministic


def test_precision_and_recall_on_the_labelled_set(labelled):
    data, found = labelled
    truth = data.true_pairs()
    right = len(truth & found.keys())
    precision, recall = right / len(found), right / len(truth)
    assert precision >= 0.97, precision
    assert recall >= 0.95, recall


@pytest.mark.parametrize(
    "kind", ["suffix", "region", "bracket", "branch", "typo", "homophone", "swap"]
)
def test_each_variant_kind_is_found(labelled, kind):
    data, found = labelled
    pairs = data.kind_pairs()[kind]
    assert pairs
    assert len(pairs & found.keys()) >= 0.9 * len(pairs), (kind, len(pairs))


@pytest.mark.parametrize("kind", NEGATIVE_KINDS)
def test_look_alikes_are_not_paired(labelled, kind):
    data, found = labelled
    pairs = {(min(a, b), max(a, b)) for a, b, k in data.negatives if k == kind}
    assert len(pairs) >= 10
    assert len(pairs & found.keys()) <= 0.03 * len(pairs), kind


def _uscc(seed: int) -> str:
    import random

    return generate_uscc(random.Random(seed), region="310101")


def _pair(a: dict, b: dict, **kw):
    out = list(find_pairs([Record(id=1, **a), Record(id=2, **b)], **kw))
    assert len(out) <= 1
    return out[0] if out else None


def _codes(match) -> dict[str, int]:
    return {r.code: r.score for r in match.reasons}


def test_same_uscc_whatever_the_name():
    code = _uscc(1)
    m = _pair({"name": "信达宏远科技有限公司", "uscc": code}, {"name": "完全不同", "uscc": code})
    assert (m.a, m.b, m.score) == (1, 2, 100)
    assert _codes(m)["same_uscc"] == 100


def test_mistyped_uscc_and_similar_name():
    code = _uscc(2)
    typo = code[:10] + next(c for c in ALPHABET if c != code[10]) + code[11:]
    m = _pair(
        {"name": "上海华东电子有限公司", "uscc": code, "region_code": "310100"},
        {"name": "华乐电子有限责任公司", "uscc": typo, "region_code": "310100"},
    )
    codes = _codes(m)
    assert codes["similar_uscc"] == 85 and "similar_name" in codes and "same_region" in codes
    assert m.score >= 85


def test_suffix_and_bracket_variants_are_the_same_name():
    m = _pair({"name": "华东电子（上海）有限公司"}, {"name": "上海市华东电子股份有限公司"})
    assert _codes(m) == {"same_name": 90} and m.score == 90


def test_homophone_reads_alike():
    a = {"name": "美的电器有限公司", "region_code": "440600"}
    b = {"name": "美得电器有限公司", "region_code": "440600"}
    alone = _pair(a, b, threshold=0)
    assert "same_pinyin" in _codes(alone) and alone.score < 60  # two names may sound alike
    m = _pair({**a, "legal_rep": "何享健"}, {**b, "legal_rep": "何享健"})
    assert {"same_pinyin", "same_legal_rep"} <= _codes(m).keys() and m.score >= 80


def test_phone_and_legal_rep_corroborate_a_typo():
    base = {"region_code": "310100", "phone": "021-62345678", "legal_rep": "王伟"}
    m = _pair({"name": "瑞达恒泰物流有限公司", **base}, {"name": "瑞达恒秦物流有限公司", **base})
    codes = _codes(m)
    assert {"same_phone", "similar_name", "same_legal_rep", "same_region"} <= codes.keys()


def test_one_character_apart_is_not_enough_alone():
    a = {"name": "上海华东电子有限公司", "region_code": "310100"}
    b = {"name": "上海华南电子有限公司", "region_code": "310100"}
    assert _pair(a, b) is None
    # … and with two registrations it is two companies even with the same phone.
    phone = {"phone": "021-62345678"}
    assert _pair({**a, **phone, "uscc": _uscc(3)}, {**b, **phone, "uscc": _uscc(4)}) is None
    m = _pair({**a, **phone, "uscc": _uscc(3)}, {**b, **phone, "uscc": _uscc(4)}, threshold=0)
    assert _codes(m)["different_uscc"] < 0


def test_a_branch_is_not_its_head_office():
    phone = {"phone": "0755-28780808", "region_code": "440300"}
    a = {"name": "华为技术有限公司", **phone}
    b = {"name": "华为技术有限公司北京分公司", **phone}
    assert _pair(a, b) is None
    # Two spellings of the same branch are one company.
    m = _pair(b, {"name": "华为技术（北京）分公司", **phone})
    assert "same_name" in _codes(m)


def test_same_name_in_another_city_needs_more():
    a = {"name": "上海华东电子有限公司", "region_code": "310100"}
    b = {"name": "北京华东电子有限公司", "region_code": "110100"}
    assert _pair(a, b) is None
    assert _pair({**a, "legal_rep": "李强"}, {**b, "legal_rep": "李强"}) is not None


def test_two_copies_linked_through_the_original():
    code = _uscc(5)
    region = {"region_code": "310100", "legal_rep": "张敏"}
    records = [
        Record(id=1, name="上海博远佳物流有限公司", uscc=code, **region),
        Record(id=2, name="博远嘉物流有限公司", uscc=code, **region),  # homophone
        Record(id=3, name="远博佳物流有限公司", uscc=code[:-1] + "0", **region),  # swap
    ]
    found = {(m.a, m.b): m for m in find_pairs(records)}
    assert set(found) == {(1, 2), (1, 3), (2, 3)}


def test_threshold_and_progress():
    data = generate(400, seed=3)
    records = [
        Record(r.id, r.name, r.uscc, r.phone, r.region_code, r.legal_rep, r.address)
        for r in data.records
    ]
    calls: list[tuple[int, int]] = []
    default = list(find_pairs(records, on_progress=lambda d, t: calls.append((d, t))))
    strict = list(find_pairs(records, threshold=95))
    assert default and all(m.a < m.b and 60 <= m.score <= 100 for m in default)
    assert {(m.a, m.b) for m in strict} < {(m.a, m.b) for m in default}
    assert calls[-1] == (2 * len(records), 2 * len(records))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert list(find_pairs(records[:1])) == []


def test_reason_labels():
    assert reason_label("same_uscc") == "统一社会信用代码相同"
    with translation.override("en"):
        assert reason_label("similar_address") != "地址相同或相近"
    assert reason_label("unknown_code") == "unknown_code"


@pytest.mark.django_db
def test_company_records_read_the_master(org):
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep")
    one = factories.make_customer(rep, name="上海瑞达恒泰物流有限公司", phone="021-62345678")
    two = factories.make_customer(rep, name="瑞达恒泰物流股份有限公司")
    Company.objects.filter(pk=two.company_id).update(uscc=None)  # a copy without its code
    customer_services.create_contact(
        actor=rep, company=two.company, data={"name": "李强", "work_phone": "021 6234 5678"}
    )
    factories.make_customer(rep, name="北京完全不同咨询有限公司")
    records = company_records(batch=2)
    assert len(records) == 3
    read = {r.id: r for r in records}
    assert len(read) == 3 and next(records, None) is None  # an iterator: read once
    assert read[one.company_id].name_key == "瑞达恒泰物流"
    assert read[two.company_id].phone == "02162345678"  # the contact's, company has none
    [m] = find_pairs(company_records(batch=2))
    assert (m.a, m.b) == tuple(sorted((one.company_id, two.company_id)))
    assert {"same_name", "same_phone"} <= _codes(m).keys()
