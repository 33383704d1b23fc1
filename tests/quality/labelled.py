"""A labelled data set of Chinese company records with known duplicate clusters, for the
matching tests and ``bench/dedupe.py`` (deterministic for a given seed).

Each *entity* is one legal company. Some entities are written down more than once — the way
subsidiaries' Excel lists and reps' typing disagree — and each copy carries a ``kind``:

* cosmetic, removed by normalisation: ``suffix`` (有限公司 ↔ 有限责任公司 ↔ 股份有限公司),
  ``region`` (上海 / 上海市 prefix added or dropped), ``bracket`` (华东电子（上海）有限公司,
  half-width brackets, stray spaces), ``branch`` (a branch written 北京分公司 vs （北京）分公司);
* edits of the core name: ``typo`` (one character replaced by any other), ``homophone`` (one
  character replaced by another with the same pinyin), ``swap`` (two characters exchanged);
* on top, independently: the USCC kept, left out or mistyped (one character replaced or two
  adjacent exchanged, so its check character fails), a different or no phone, the legal
  representative or address left out, the region code left out.

Hard non-duplicates are separate entities made to look alike, each with its own USCC (when
it has one), phone and legal representative: ``near_name`` (华东电子 / 华南电子, same city),
``sister`` (same brand, another trade: 华东电子 / 华东电器, sometimes the same switchboard
phone or legal representative, as in a group), ``head_branch`` (a company and its branch,
which has its own registration) and ``other_city`` (the same core name registered in another
city; both have USCCs).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations

from pypinyin import Style, lazy_pinyin

from xinren.standards.uscc import ALPHABET, check_character, generate_uscc

BRAND = (
    "华东南北中西新兴恒泰瑞达宏远鑫源金龙凤祥和福盛昌隆丰佳美嘉安康宁德信诚益明光辉"
    "星月天海山川江河湖林森春秋云峰正大长城永强顺通广利万博文创科伟志鸿运汇聚腾飞"
    "锦绣辰宇翔飞晨曦蓝天绿洲宝丽红旗东方振中联合精工联创启航远航卓越领先百川千里"
    "九州三友双赢四季五洲六合七星八方乾坤元亨智睿思源中天华信凯旋佳禾禾丰"
)
INDUSTRY = (
    "科技", "电子", "电器", "贸易", "实业", "建设工程", "机械设备", "生物医药", "信息技术",
    "网络科技", "食品", "服装", "物流", "化工", "新材料", "环保科技", "能源", "汽车配件",
    "建材", "家具", "印务", "文化传媒", "教育咨询", "投资管理", "置业", "餐饮管理", "商贸",
    "电气", "光电", "软件", "塑胶", "五金", "纺织", "医疗器械", "农业发展", "智能装备",
    "精密模具", "供应链管理", "酒店管理", "广告",
)  # fmt: skip
FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司")
# (region code, name with its suffix, short name, area code), big cities more often.
CITIES = (
    ("310100", "上海市", "上海", "021", 12),
    ("110100", "北京市", "北京", "010", 10),
    ("440300", "深圳市", "深圳", "0755", 9),
    ("440100", "广州市", "广州", "020", 8),
    ("330100", "杭州市", "杭州", "0571", 6),
    ("320500", "苏州市", "苏州", "0512", 6),
    ("510100", "成都市", "成都", "028", 5),
    ("420100", "武汉市", "武汉", "027", 4),
    ("320100", "南京市", "南京", "025", 4),
    ("500100", "重庆市", "重庆", "023", 4),
    ("120100", "天津市", "天津", "022", 3),
    ("610100", "西安市", "西安", "029", 3),
    ("370200", "青岛市", "青岛", "0532", 3),
    ("330200", "宁波市", "宁波", "0574", 3),
    ("441900", "东莞市", "东莞", "0769", 3),
    ("350200", "厦门市", "厦门", "0592", 2),
    ("430100", "长沙市", "长沙", "0731", 2),
    ("410100", "郑州市", "郑州", "0371", 2),
    ("370100", "济南市", "济南", "0531", 2),
    ("210200", "大连市", "大连", "0411", 2),
    ("340100", "合肥市", "合肥", "0551", 2),
    ("350100", "福州市", "福州", "0591", 1),
    ("530100", "昆明市", "昆明", "0871", 1),
    ("450100", "南宁市", "南宁", "0771", 1),
)
ROADS = "人民中山解放建设和平胜利长江黄河新华友谊光明文化科技创业学院"
DISTRICTS = ("高新区", "开发区", "经济技术开发区", "新区", "工业园区", "中心区")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉鹏飞斌宇浩凯健俊帆帅旭宁婷雪琳晶颖"
TYPO_CHARS = BRAND + GIVEN + ROADS + "工贸业力达发展鼎旺隆兴成金银铁石"
# Extra characters for homophones: same reading, different character.
HOMOPHONE_POOL = (
    TYPO_CHARS + "化南楠囡兰蓝澜岚新心欣馨芯信鑫星兴形型杏幸泰太态汰钛达大答搭瑞锐睿蕊"
    "宏洪鸿红虹弘远园源原元缘圆援恒衡横亨通同童铜桐彤科可克客颗电店点典佃殿技计记济继"
    "际寄纪利力立丽历励理里礼李美每梅媒玫眉得德的地锦金今津劲进近晋盛胜圣升生声昌长常"
    "畅唱场海还孩亥骇嘉家加佳佳甲迦康抗炕亢慷宇雨语羽玉禹域御飞非菲妃啡腾藤滕疼誊"
)
CORE_KINDS = ("typo", "homophone", "swap")
COSMETIC_KINDS = ("suffix", "region", "bracket")
NEGATIVE_KINDS = ("near_name", "sister", "head_branch", "other_city")


@dataclass(frozen=True)
class LabelledRecord:
    id: int
    name: str
    uscc: str
    phone: str
    region_code: str
    legal_rep: str
    address: str
    entity: int  # records of one entity are duplicates of each other
    kind: str  # "original", a duplicate's variant kind, or a hard non-duplicate's kind


@dataclass
class LabelledSet:
    records: list[LabelledRecord]
    negatives: list[tuple[int, int, str]] = field(default_factory=list)  # (id, id, kind)

    def true_pairs(self) -> set[tuple[int, int]]:
        by_entity: dict[int, list[int]] = {}
        for r in self.records:
            by_entity.setdefault(r.entity, []).append(r.id)
        return {
            (a, b) if a < b else (b, a)
            for ids in by_entity.values()
            for a, b in combinations(ids, 2)
        }

    def kind_pairs(self) -> dict[str, set[tuple[int, int]]]:
        """For each duplicate variant kind, the (original, copy) pairs showing it."""
        original = {r.entity: r.id for r in self.records if r.kind == "original"}
        out: dict[str, set[tuple[int, int]]] = {}
        for r in self.records:
            if r.kind in CORE_KINDS + COSMETIC_KINDS + ("branch",):
                a, b = sorted((original[r.entity], r.id))
                out.setdefault(r.kind, set()).add((a, b))
        return out


@cache
def _homophones() -> dict[str, list[str]]:
    by_sound: dict[str, list[str]] = {}
    for ch in dict.fromkeys(HOMOPHONE_POOL):
        by_sound.setdefault(lazy_pinyin(ch, style=Style.NORMAL)[0], []).append(ch)
    return {
        ch: [o for o in group if o != ch]
        for group in by_sound.values()
        for ch in group
        if len(group) > 1
    }


def _mistype_uscc(code: str, rng: random.Random) -> str:
    i = rng.randrange(2, 17)
    if rng.random() < 0.5 and code[i] != code[i + 1]:
        return code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    new = rng.choice([c for c in ALPHABET if c != code[i]])
    return code[:i] + new + code[i + 1 :]


class _Maker:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.cores: set[tuple[str, str]] = set()  # (core, city)
        self.usccs: set[str] = set()
        self.weights = [c[4] for c in CITIES]

    def city(self):
        return self.rng.choices(CITIES, weights=self.weights)[0]

    def brand(self) -> str:
        n = 2 if self.rng.random() < 0.6 else 3
        return "".join(self.rng.choice(BRAND) for _ in range(n))

    def uscc(self, city) -> str:
        while True:
            code = generate_uscc(self.rng, region=f"{city[0][:4]}{self.rng.randrange(1, 20):02d}")
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def phone(self, city) -> str:
        if self.rng.random() < 0.4:
            return f"1{self.rng.choice((3, 5, 7, 8, 9))}{self.rng.randrange(10**9):09d}"
        digits = 8 if len(city[3]) == 3 else self.rng.choice((7, 8))
        return f"{city[3]}-{self.rng.randrange(2 * 10 ** (digits - 1), 10**digits)}"

    def person(self) -> str:
        n = 1 if self.rng.random() < 0.3 else 2
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(n))

    def address(self, city) -> str:
        r = self.rng
        road = r.choice(ROADS) + r.choice(ROADS) + r.choice(("路", "大道", "街"))
        return f"{city[1]}{r.choice(DISTRICTS)}{road}{r.randrange(1, 999)}号"

    def free_core(self, city, make) -> str:
        while True:
            core = make()
            if (core, city[0]) not in self.cores:
                self.cores.add((core, city[0]))
                return core

    def entity(self, city=None, core=None, force_uscc=False) -> dict:
        r = self.rng
        city = city or self.city()
        core = core or self.free_core(city, lambda: self.brand() + r.choice(INDUSTRY))
        return {
            "core": core,
            "city": city,
            "form": r.choice(FORMS),
            "prefix": r.random() < 0.5,
            "uscc": self.uscc(city) if force_uscc or r.random() < 0.85 else "",
            "phone": self.phone(city) if r.random() < 0.9 else "",
            "legal_rep": self.person() if r.random() < 0.9 else "",
            "address": self.address(city) if r.random() < 0.8 else "",
            "branch": "",
        }

    def name(self, e: dict) -> str:
        prefix = e["city"][2] if e["prefix"] else ""
        name = prefix + e["core"] + e["form"]
        if e["branch"]:
            name += e["branch"] + "分公司"
        return name


def _variant(m: _Maker, e: dict, kind: str) -> tuple[str, str]:
    """The name of a copy of entity ``e`` showing variant ``kind`` (plus cosmetic noise)."""
    r = m.rng
    core, form, city = e["core"], e["form"], e["city"]
    if kind == "typo":
        i = r.randrange(len(core))
        core = core[:i] + r.choice([c for c in TYPO_CHARS if c != core[i]]) + core[i + 1 :]
    elif kind == "homophone":
        sounds = _homophones()
        spots = [i for i, ch in enumerate(core) if ch in sounds]
        if not spots:
            return _variant(m, e, "typo")
        i = r.choice(spots)
        core = core[:i] + r.choice(sounds[core[i]]) + core[i + 1 :]
    elif kind == "swap":
        i = r.randrange(len(core) - 1)
        j = i + 1 if r.random() < 0.7 else r.randrange(len(core))
        if core[i] == core[j]:
            return _variant(m, e, "typo")
        chars = list(core)
        chars[i], chars[j] = chars[j], chars[i]
        core = "".join(chars)
    prefix = city[2] if e["prefix"] else ""
    if kind == "suffix" or (kind in CORE_KINDS and r.random() < 0.3):
        form = r.choice([f for f in FORMS if f != form])
    if kind == "region" or (kind in CORE_KINDS and r.random() < 0.3):
        prefix = r.choice(("", city[1])) if prefix else r.choice((city[2], city[1]))
    if kind == "bracket":
        prefix = ""
        brackets = r.choice((("（", "）"), ("(", ")")))
        core = f"{core}{brackets[0]}{city[2]}{brackets[1]}"
        if r.random() < 0.5:
            form = " " + form
    if e["branch"]:
        place = e["branch"]
        branch = r.choice((f"（{place}）分公司", f"{place}分公司", f"{place}市分公司"))
        if kind == "branch":
            return prefix + core + form + branch, kind
        return prefix + core + form + f"{place}分公司", kind
    return prefix + core + form, kind


def _copy(m: _Maker, e: dict, kind: str) -> dict:
    r = m.rng
    name, kind = _variant(m, e, kind)
    u = r.random()
    uscc = (
        e["uscc"] if u < 0.55 else "" if u < 0.85 else (e["uscc"] and _mistype_uscc(e["uscc"], r))
    )
    p = r.random()
    phone = e["phone"] if p < 0.5 else m.phone(e["city"]) if p < 0.8 else ""
    a = r.random()
    address = e["address"] if a < 0.5 else "" if a < 0.8 else e["address"].replace(e["city"][1], "")
    return {
        "name": name,
        "uscc": uscc,
        "phone": phone,
        "region_code": e["city"][0] if r.random() < 0.9 else "",
        "legal_rep": e["legal_rep"] if r.random() < 0.8 else "",
        "address": address,
        "kind": kind,
    }


def _plain(m: _Maker, e: dict, kind: str) -> dict:
    return {
        "name": m.name(e),
        "uscc": e["uscc"],
        "phone": e["phone"],
        "region_code": e["city"][0],
        "legal_rep": e["legal_rep"],
        "address": e["address"],
        "kind": kind,
    }


def _negative(m: _Maker, e: dict, kind: str) -> dict:
    """A different entity made to look like ``e``."""
    r = m.rng
    core, city = e["core"], e["city"]
    if kind == "near_name":
        n = m.entity(city, m.free_core(city, lambda: _near(r, core)))
    elif kind == "sister":
        brand = core
        for word in INDUSTRY:
            if core.endswith(word):
                brand = core[: -len(word)]
        n = m.entity(city, m.free_core(city, lambda: brand + r.choice(INDUSTRY)))
        if r.random() < 0.2:
            n["phone"] = e["phone"]
        if r.random() < 0.1:
            n["legal_rep"] = e["legal_rep"]
    elif kind == "head_branch":
        n = m.entity(city, core)
        n.update(form=e["form"], prefix=e["prefix"], branch=r.choice(CITIES)[2])
        if r.random() < 0.3:
            n["phone"] = e["phone"]
    else:  # other_city
        other = r.choice([c for c in CITIES if c[0] != city[0]])
        n = m.entity(other, core, force_uscc=True)
        if not e["uscc"]:
            e["uscc"] = m.uscc(city)
    return n


def _near(r: random.Random, core: str) -> str:
    i = r.randrange(len(core))
    return core[:i] + r.choice([c for c in BRAND if c != core[i]]) + core[i + 1 :]


def generate(n: int, *, seed: int = 20261126, dup_share: float = 0.12, neg_share: float = 0.12):
    """About ``n`` records: ``dup_share`` of the entities written 2–4 times, ``neg_share`` of
    them with a look-alike other entity. Ids run from 1 in a shuffled order."""
    m = _Maker(seed)
    r = m.rng
    rows: list[tuple[dict, int]] = []  # (record fields, entity number)
    negatives: list[tuple[int, int, str]] = []  # (row index, row index, kind)
    entity = 0
    kinds = CORE_KINDS * 2 + COSMETIC_KINDS
    while len(rows) < n:
        e = m.entity()
        if r.random() < 0.05:
            e["branch"] = r.choice(CITIES)[2]
        entity += 1
        first = len(rows)
        rows.append((_plain(m, e, "original"), entity))
        if r.random() < dup_share:
            for _ in range(r.choices((1, 2, 3), weights=(7, 2, 1))[0]):
                kind = "branch" if e["branch"] and r.random() < 0.5 else r.choice(kinds)
                rows.append((_copy(m, e, kind), entity))
        if r.random() < neg_share:
            kind = r.choice(NEGATIVE_KINDS)
            entity += 1
            negatives.append((first, len(rows), kind))
            rows.append((_plain(m, _negative(m, e, kind), kind), entity))
            if kind == "other_city":  # the original may have just been given its USCC
                rows[first][0]["uscc"] = e["uscc"]
    order = list(range(len(rows)))
    r.shuffle(order)
    ids = {row: i + 1 for i, row in enumerate(order)}
    records = [
        LabelledRecord(id=ids[i], entity=ent, **fields) for i, (fields, ent) in enumerate(rows)
    ]
    records.sort(key=lambda x: x.id)
    return LabelledSet(records, [(ids[a], ids[b], k) for a, b, k in negatives])


def uscc_checked(code: str) -> bool:
    """True when ``code``'s check character fits (a mistyped copy's does not)."""
    return len(code) == 18 and check_character(code[:17]) == code[17]
