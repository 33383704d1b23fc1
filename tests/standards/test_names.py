"""Company-name normalisation: a table of real-looking names, and properties (hypothesis)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinren.standards.names import (
    LEGAL_FORMS,
    name_key,
    name_pinyin,
    normalize_company_name,
    region_names,
)

EXAMPLES = [
    ("华为技术有限公司", "华为技术"),
    ("华为技术（深圳）有限公司", "华为技术"),
    ("华为技术(深圳)有限公司", "华为技术"),
    ("上海华为技术有限公司", "华为技术"),
    ("上海市华为技术有限公司", "华为技术"),
    ("广东省深圳市腾讯计算机系统有限公司", "腾讯计算机系统"),
    ("深圳市腾讯计算机系统有限公司", "腾讯计算机系统"),
    ("美的集团股份有限公司", "美的"),
    ("内蒙古伊利实业集团股份有限公司", "伊利实业"),
    ("阿里巴巴（中国）网络技术有限公司", "阿里巴巴网络技术"),
    ("红杉资本合伙企业（有限合伙）", "红杉资本"),
    ("北京红杉（有限合伙）", "红杉"),
    ("青岛啤酒厂", "啤酒"),
    ("中国石油化工股份有限公司", "中国石油化工"),
    ("东方航空股份有限公司", "东方航空"),  # 东方市 is county-level: not a prefix
    ("ＨＵＡＷＥＩ　Ｔｅｃｈ Co., Ltd.", "HUAWEITECH"),
    ("Huawei Tech Co.,Ltd", "HUAWEITECH"),
    ("  华为 技术 有限 公司 ", "华为技术"),
    ("【华为技术】有限公司", "华为技术"),
    ("上海集团", "上海"),  # never stripped below two characters
    # Branches are separate legal entities: marker and place kept, head office differs.
    ("华为技术有限公司北京分公司", "华为技术北京分公司"),
    ("华为技术有限公司北京市分公司", "华为技术北京分公司"),
    ("华为技术（北京）分公司", "华为技术北京分公司"),
    ("上海浦东发展银行股份有限公司深圳分行", "浦东发展银行深圳分行"),
    ("杭州娃哈哈集团有限公司办事处", "娃哈哈办事处"),
    ("", ""),
]


@pytest.mark.parametrize(("name", "expected"), EXAMPLES)
def test_examples(name, expected):
    assert normalize_company_name(name) == expected


def test_region_names_come_from_the_gbt2260_table():
    names = set(region_names())
    assert {"上海市", "上海", "广东省", "广东", "深圳市", "深圳", "内蒙古自治区", "内蒙古"} <= names
    assert "阿里" not in names  # 阿里地区: no short form, 阿里巴巴 keeps its name
    assert "市辖区" not in names


def test_keys():
    assert name_key("美的集团股份有限公司") == "美的"
    assert name_pinyin("美的集团股份有限公司") == name_pinyin("美得有限公司") == "MEIDE"
    assert name_key("公司") == "公司"  # never empty for a non-blank name
    assert len(name_key("华" * 300)) == 64


# --- properties -------------------------------------------------------------------------------
# Cores from characters that start no region name and end no legal form.
_SAFE = "信达宏远恒泰科技网络软件数据能源医药物流贸易电子智能云创新锐思博"
core = st.text(alphabet=_SAFE, min_size=2, max_size=10)
latin = st.text(alphabet="ABCDEFGHXYZ", min_size=2, max_size=6)
suffix = st.sampled_from(
    ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "集团", "公司", "厂", ""]
)
region = st.sampled_from(["", "上海", "上海市", "广东省深圳市", "深圳", "北京市", "内蒙古自治区"])
bracket_region = st.sampled_from(["", "（上海）", "(上海)", "【北京】", "（深圳市）"])


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_idempotent_on_any_text(text):
    once = normalize_company_name(text)
    assert normalize_company_name(once) == once


@settings(max_examples=150, deadline=None)
@given(core, region, bracket_region, suffix)
def test_region_and_suffix_variants_agree(c, reg, bracket, suf):
    assert normalize_company_name(reg + c + bracket + suf) == c


@settings(max_examples=150, deadline=None)
@given(latin, core, suffix)
def test_fullwidth_and_bracket_variants_agree(lat, c, suf):
    half = f"{lat} {c}(上海){suf}"
    full = _fullwidth(f"{lat}") + "\u3000" + c + "（上海）" + suf
    assert unicodedata.normalize("NFKC", full) != full
    assert normalize_company_name(half) == normalize_company_name(full) == lat + c


@settings(max_examples=100, deadline=None)
@given(core, st.sampled_from(["北京", "北京市", "（北京）"]))
def test_branch_is_not_the_head_office(c, place):
    branch = normalize_company_name(f"{c}有限公司{place}分公司")
    assert branch == f"{c}北京分公司" != normalize_company_name(f"{c}有限公司")


def test_legal_forms_are_longest_first_where_they_overlap():
    assert LEGAL_FORMS.index("股份有限公司") < LEGAL_FORMS.index("有限公司")
