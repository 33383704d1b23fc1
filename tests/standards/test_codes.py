"""GB/T 2260 regions and GB/T 4754-2017 industries shipped as data (xinren.standards.codes)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from xinren.standards import codes
from xinren.standards.codes import (
    GROUPING_NAMES,
    INDUSTRY_FILE,
    REGION_FILE,
    industries,
    industry_choices,
    industry_label,
    region_children,
    region_choices,
    region_label,
    region_path,
    regions,
    validate_industry_code,
    validate_region_code,
)

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
SARS_AND_TAIWAN = {"710000", "810000", "820000"}

# Prefecture-level divisions (地级市, 地区, 自治州, 盟) per provincial-level division.
PREFECTURES_PER_PROVINCE = {
    "130000": 11,  # 河北
    "140000": 11,  # 山西
    "150000": 12,  # 内蒙古 (9 市 + 3 盟)
    "210000": 14,  # 辽宁
    "220000": 9,  # 吉林
    "230000": 13,  # 黑龙江
    "320000": 13,  # 江苏
    "330000": 11,  # 浙江
    "340000": 16,  # 安徽
    "350000": 9,  # 福建
    "360000": 11,  # 江西
    "370000": 16,  # 山东 (莱芜 merged into 济南 2019)
    "410000": 17,  # 河南
    "420000": 13,  # 湖北
    "430000": 14,  # 湖南
    "440000": 21,  # 广东
    "450000": 14,  # 广西
    "460000": 4,  # 海南
    "510000": 21,  # 四川
    "520000": 9,  # 贵州
    "530000": 16,  # 云南
    "540000": 7,  # 西藏
    "610000": 10,  # 陕西
    "620000": 14,  # 甘肃
    "630000": 8,  # 青海
    "640000": 5,  # 宁夏
    "650000": 14,  # 新疆
}

KNOWN_REGIONS = {
    "110000": "北京市",
    "120000": "天津市",
    "310000": "上海市",
    "500000": "重庆市",
    "110100": "市辖区",
    "120100": "市辖区",
    "310100": "市辖区",
    "500100": "市辖区",
    "500200": "县",
    "110101": "东城区",
    "110105": "朝阳区",
    "110108": "海淀区",
    "310115": "浦东新区",
    "120116": "滨海新区",
    "440000": "广东省",
    "440100": "广州市",
    "440300": "深圳市",
    "441900": "东莞市",
    "442000": "中山市",
    "330100": "杭州市",
    "320500": "苏州市",
    "510100": "成都市",
    "420100": "武汉市",
    "420600": "襄阳市",
    "610100": "西安市",
    "370100": "济南市",
    "460400": "儋州市",
    "650000": "新疆维吾尔自治区",
    "540000": "西藏自治区",
    "150000": "内蒙古自治区",
    "450000": "广西壮族自治区",
    "640000": "宁夏回族自治区",
    "532300": "楚雄彝族自治州",
    "152500": "锡林郭勒盟",
    "232700": "大兴安岭地区",
    "542500": "阿里地区",
    "540600": "那曲市",
    "630200": "海东市",
    "650400": "吐鲁番市",
    "650500": "哈密市",
    "520500": "毕节市",
    "429000": "省直辖县级行政区划",
    "429004": "仙桃市",
    "659001": "石河子市",
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}

SECTION_DIVISIONS = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}

KNOWN_INDUSTRIES = {
    "A": "农、林、牧、渔业",
    "C": "制造业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "T": "国际组织",
    "01": "农业",
    "06": "煤炭开采和洗选业",
    "13": "农副食品加工业",
    "27": "医药制造业",
    "36": "汽车制造业",
    "39": "计算机、通信和其他电子设备制造业",
    "44": "电力、热力生产和供应业",
    "51": "批发业",
    "52": "零售业",
    "58": "多式联运和运输代理业",
    "64": "互联网和相关服务",
    "65": "软件和信息技术服务业",
    "66": "货币金融服务",
    "70": "房地产业",
    "72": "商务服务业",
    "83": "教育",
    "97": "国际组织",
}


def _prefectures(parent: str | None = None):
    return [
        c
        for c in regions().values()
        if c.level == 2 and c.name not in GROUPING_NAMES and (parent is None or c.parent == parent)
    ]


def _raw_rows(filename: str) -> list[dict[str, str]]:
    text = (codes.DATA / filename).read_text(encoding="utf-8")
    return list(csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#")))


# ---- data files ---------------------------------------------------------------------------


@pytest.mark.parametrize("filename", [REGION_FILE, INDUSTRY_FILE])
def test_first_line_is_source_comment(filename):
    first = (codes.DATA / filename).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Source: ")
    assert "placeholder" not in first.lower()


def test_region_source_names_ministry_and_edition():
    text = codes.source(REGION_FILE)
    assert "GB/T 2260" in text
    assert "民政部" in text and "Ministry of Civil Affairs" in text
    assert "2023" in text


def test_industry_source_names_standard_and_bureau():
    text = codes.source(INDUSTRY_FILE)
    assert "GB/T 4754-2017" in text
    assert "国民经济行业分类" in text
    assert "国家统计局" in text


@pytest.mark.parametrize("filename", [REGION_FILE, INDUSTRY_FILE])
def test_no_duplicate_codes_in_files(filename):
    rows = _raw_rows(filename)
    dupes = [c for c, n in Counter(r["code"] for r in rows).items() if n > 1]
    assert dupes == []
    assert len(rows) == len(codes._load(filename))


@pytest.mark.parametrize("filename", [REGION_FILE, INDUSTRY_FILE])
def test_every_row_has_chinese_and_english_name(filename):
    for row in _raw_rows(filename):
        assert row["name"].strip(), row
        assert row["name_en"].strip(), row
        assert row["name_en"] == row["name_en"].strip(), row


def test_loader_skips_comments_blank_lines_and_bom(tmp_path, monkeypatch):
    (tmp_path / "t.csv").write_text(
        "\ufeff# Source: test table\n"
        "# another comment\n"
        "code,name,name_en,level,parent\n"
        "\n"
        "110000,北京市,Beijing,1,\n"
        "  # indented comment\n"
        '110100,市辖区,"Districts, Beijing",2,110000\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(codes, "DATA", tmp_path)
    table = codes._load("t.csv")
    assert list(table) == ["110000", "110100"]
    assert table["110100"].name_en == "Districts, Beijing"
    assert table["110100"].parent == "110000"
    assert codes.source("t.csv") == "test table"


def test_loader_refuses_duplicate_codes(tmp_path, monkeypatch):
    (tmp_path / "t.csv").write_text(
        "# Source: x\ncode,name,name_en,level,parent\nA,甲,A,1,\nA,乙,B,1,\n", encoding="utf-8"
    )
    monkeypatch.setattr(codes, "DATA", tmp_path)
    with pytest.raises(ValueError, match="duplicate code A"):
        codes._load("t.csv")


def test_source_is_empty_without_source_line(tmp_path, monkeypatch):
    (tmp_path / "t.csv").write_text("code,name,name_en,level,parent\n", encoding="utf-8")
    monkeypatch.setattr(codes, "DATA", tmp_path)
    assert codes.source("t.csv") == ""


# ---- GB/T 2260 regions --------------------------------------------------------------------


def test_34_provincial_level_divisions():
    provinces = [c for c in regions().values() if c.level == 1]
    assert len(provinces) == 34
    assert all(c.parent == "" for c in provinces)
    assert {c.code for c in provinces} >= MUNICIPALITIES | SARS_AND_TAIWAN


def test_prefecture_counts_per_province():
    counts = Counter(c.parent for c in _prefectures())
    assert dict(counts) == PREFECTURES_PER_PROVINCE
    assert sum(counts.values()) == 333


def test_prefecture_kinds():
    kinds = Counter()
    for c in _prefectures():
        kind = next(k for k in ("自治州", "地区", "盟", "市") if c.name.endswith(k))
        kinds[kind] += 1
    assert kinds == {"市": 293, "地区": 7, "自治州": 30, "盟": 3}


def test_municipalities_have_only_grouping_entries_and_districts():
    for code in MUNICIPALITIES:
        children = region_children(code)
        assert children, code
        assert {c.name for c in children} <= {"市辖区", "县"}
    assert [c.code for c in region_children("500000")] == ["500100", "500200"]
    assert len(region_children("110100")) == 16
    assert len(region_children("120100")) == 16
    assert len(region_children("310100")) == 16
    assert len(region_children("500100")) == 26
    assert len(region_children("500200")) == 12


def test_sars_and_taiwan_have_no_subdivisions():
    for code in SARS_AND_TAIWAN:
        assert region_children(code) == []


@pytest.mark.parametrize(("code", "name"), sorted(KNOWN_REGIONS.items()))
def test_known_region_codes(code, name):
    assert regions()[code].name == name


def test_known_english_names():
    table = regions()
    assert table["440100"].name_en == "Guangzhou"
    assert table["440300"].name_en == "Shenzhen"
    assert table["650000"].name_en == "Xinjiang"
    assert table["152500"].name_en == "Xilingol League"


def test_withdrawn_codes_absent():
    # 莱芜市 (merged into 济南 2019), 巢湖市 (split 2011), 那曲地区 (now 540600 那曲市).
    for code in ("371200", "341400", "542400", "652100", "652200"):
        assert code not in regions()


def test_region_code_format_matches_level_and_parent():
    table = regions()
    for c in table.values():
        assert len(c.code) == 6 and c.code.isdigit(), c
        if c.level == 1:
            assert c.code.endswith("0000") and c.parent == ""
        elif c.level == 2:
            assert c.code.endswith("00") and not c.code.endswith("0000")
            assert c.parent == c.code[:2] + "0000"
        else:
            assert c.level == 3 and not c.code.endswith("00")
            assert c.parent == c.code[:4] + "00"
        if c.parent:
            assert c.parent in table, c
            assert table[c.parent].level == c.level - 1


def test_county_level_entries_hang_under_grouping_entries_only():
    table = regions()
    for c in table.values():
        if c.level == 3:
            assert table[c.parent].name in GROUPING_NAMES, c


def test_region_path_and_labels():
    assert [c.code for c in region_path("110101")] == ["110000", "110100", "110101"]
    assert region_path("999999") == []
    assert region_label("440300") == "广东省 深圳市"
    assert region_label("110101") == "北京市 东城区"
    assert region_label("110100") == "北京市 市辖区"
    assert region_label("429004") == "湖北省 仙桃市"
    assert region_label("810000") == "香港特别行政区"
    assert region_label("999999") == "999999"


def test_region_labels_in_english():
    with translation.override("en"):
        assert region_label("440300") == "Shenzhen, Guangdong"
        assert region_label("110101") == "Dongcheng District, Beijing"
        assert region_label("532300") == "Chuxiong Yi Autonomous Prefecture, Yunnan"


def test_region_choices():
    provinces = dict(region_choices(level=1))
    assert len(provinces) == 34
    assert provinces["440000"] == "广东省"
    prefectures = dict(region_choices(level=2))
    assert prefectures["440300"] == "广东省 深圳市"
    assert len(region_choices()) == len(regions())


# ---- GB/T 4754-2017 industries ------------------------------------------------------------


def test_20_sections_and_97_divisions():
    sections = [c for c in industries().values() if c.level == 1]
    divisions = [c for c in industries().values() if c.level == 2]
    assert [c.code for c in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert [c.code for c in divisions] == [f"{n:02d}" for n in range(1, 98)]
    assert len(industries()) == 117


@pytest.mark.parametrize(("section", "bounds"), sorted(SECTION_DIVISIONS.items()))
def test_every_division_in_its_section(section, bounds):
    low, high = bounds
    expected = [f"{n:02d}" for n in range(low, high + 1)]
    assert [c.code for c in industries().values() if c.parent == section] == expected
    for code in expected:
        assert industries()[code].level == 2


def test_every_division_parent_is_a_section():
    table = industries()
    for c in table.values():
        if c.level == 2:
            assert table[c.parent].level == 1, c


@pytest.mark.parametrize(("code", "name"), sorted(KNOWN_INDUSTRIES.items()))
def test_known_industry_codes(code, name):
    assert industries()[code].name == name


def test_industry_labels_and_choices():
    assert industry_label("65") == "65 软件和信息技术服务业"
    assert industry_label("C") == "C 制造业"
    assert industry_label("99") == "99"
    with translation.override("en"):
        assert industry_label("K") == "K Real estate"
    divisions = dict(industry_choices(level=2))
    assert len(divisions) == 97
    assert divisions["39"] == "39 计算机、通信和其他电子设备制造业"
    assert len(industry_choices(level=1)) == 20


# ---- validators ---------------------------------------------------------------------------


def test_validators_accept_every_table_code_and_blank():
    for code in regions():
        validate_region_code(code)
    for code in industries():
        validate_industry_code(code)
    validate_region_code("")
    validate_industry_code("")


@pytest.mark.parametrize("value", ["999999", "000000", "440399", "44030", "4403000", "371200"])
def test_region_validator_rejects_unknown(value):
    with pytest.raises(ValidationError) as info:
        validate_region_code(value)
    assert info.value.code == "region_code"
    assert value in info.value.messages[0] and "GB/T 2260" in info.value.messages[0]


@pytest.mark.parametrize("value", ["98", "00", "U", "Z", "C99", "3911x", "a"])
def test_industry_validator_rejects_unknown(value):
    with pytest.raises(ValidationError) as info:
        validate_industry_code(value)
    assert info.value.code == "industry_code"
    assert value in info.value.messages[0] and "GB/T 4754-2017" in info.value.messages[0]


def test_validators_name_the_field_when_asked():
    with pytest.raises(ValidationError) as info:
        validate_region_code("999999", field="region_code")
    assert list(info.value.error_dict) == ["region_code"]
    assert info.value.error_dict["region_code"][0].code == "region_code"
    with pytest.raises(ValidationError) as info:
        validate_industry_code("98", field="industry_code")
    assert list(info.value.error_dict) == ["industry_code"]


def test_model_fields_report_unknown_codes_under_their_names():
    from xinren.customers.models import Company

    others = [
        f.name for f in Company._meta.get_fields() if f.name not in {"region_code", "industry_code"}
    ]
    company = Company(region_code="999999", industry_code="98")
    with pytest.raises(ValidationError) as info:
        company.clean_fields(exclude=others)
    errors = info.value.error_dict
    assert [e.code for e in errors["region_code"]] == ["region_code"]
    assert [e.code for e in errors["industry_code"]] == ["industry_code"]

    Company(region_code="440300", industry_code="65").clean_fields(exclude=others)
