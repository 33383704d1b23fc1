"""The demo group: org tree and users, created through the real org services."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from xinren.orgs import services as org_services
from xinren.orgs.models import OrgUnit, Role, User

# One documented password for every demo user (printed with each sign-in name).
DEMO_PASSWORD = "Xinren-demo-2026"

G, S, D = OrgUnit.Kind.GROUP, OrgUnit.Kind.SUBSIDIARY, OrgUnit.Kind.DEPARTMENT

# code, name, English name, kind, parent code
_SUBSIDIARIES = [
    ("EC", "信任华东科技有限公司", "Xinren East China Technology Co., Ltd."),
    ("SC", "信任华南贸易有限公司", "Xinren South China Trading Co., Ltd."),
    ("SW", "信任西南制造有限公司", "Xinren Southwest Manufacturing Co., Ltd."),
]
UNITS: list[tuple[str, str, str, str, str | None]] = [
    ("XR", "信任集团", "Xinren Group", G, None),
    ("XR-KA", "集团大客户部", "Group Key Accounts", D, "XR"),
    ("XR-AU", "集团审计部", "Group Audit", D, "XR"),
]
for _code, _name, _en in _SUBSIDIARIES:
    UNITS += [
        (f"XR-{_code}", _name, _en, S, "XR"),
        (f"XR-{_code}-S1", "销售一部", "Sales Dept. 1", D, f"XR-{_code}"),
        (f"XR-{_code}-S2", "销售二部", "Sales Dept. 2", D, f"XR-{_code}"),
        (f"XR-{_code}-S2-KA", "大客户组", "Key Account Team", D, f"XR-{_code}-S2"),
        (f"XR-{_code}-CS", "客户服务部", "Customer Service", D, f"XR-{_code}"),
        (f"XR-{_code}-RK", "风控部", "Risk Control", D, f"XR-{_code}"),
    ]

# username, full name, role code, unit code
USERS: list[tuple[str, str, str, str]] = [
    ("admin", "系统管理员", "group_admin", "XR"),  # also superuser
    ("hq.admin", "周建国", "group_admin", "XR"),
    ("hq.auditor", "孙丽", "auditor", "XR-AU"),
    ("hq.ka.head", "陈志强", "department_head", "XR-KA"),
    ("hq.ka.rep", "林晓", "sales_rep", "XR-KA"),
    ("east.admin", "王海燕", "subsidiary_admin", "XR-EC"),
    ("east.risk", "赵敏", "risk_officer", "XR-EC-RK"),
    ("east.s1.head", "张伟", "department_head", "XR-EC-S1"),
    ("east.s1.rep", "李娜", "sales_rep", "XR-EC-S1"),
    ("east.s2.head", "刘洋", "department_head", "XR-EC-S2"),
    ("east.ka.rep", "黄磊", "sales_rep", "XR-EC-S2-KA"),
    ("east.service", "吴静", "service_agent", "XR-EC-CS"),
    ("south.admin", "郑凯", "subsidiary_admin", "XR-SC"),
    ("south.risk", "何芳", "risk_officer", "XR-SC-RK"),
    ("south.s1.head", "马超", "department_head", "XR-SC-S1"),
    ("south.s1.rep", "郭婷", "sales_rep", "XR-SC-S1"),
    ("south.s2.head", "罗斌", "department_head", "XR-SC-S2"),
    ("south.ka.rep", "梁雪", "sales_rep", "XR-SC-S2-KA"),
    ("south.service", "宋佳", "service_agent", "XR-SC-CS"),
    ("west.admin", "唐勇", "subsidiary_admin", "XR-SW"),
    ("west.risk", "韩梅", "risk_officer", "XR-SW-RK"),
    ("west.s1.head", "冯军", "department_head", "XR-SW-S1"),
    ("west.s1.rep", "邓琳", "sales_rep", "XR-SW-S1"),
    ("west.ka.rep", "彭浩", "sales_rep", "XR-SW-S2-KA"),
    ("west.service", "曹阳", "service_agent", "XR-SW-CS"),
]

# Roles that own accounts, and the one that serves them.
OWNER_ROLES = {"sales_rep", "department_head"}
SERVICE_ROLE = "service_agent"


@dataclass
class DemoUser:
    user: User
    password: str  # "" when the user existed before this run (password left unchanged)


@dataclass
class DemoWorld:
    units: dict[str, OrgUnit]
    users: list[DemoUser]
    admin: User
    # business unit id -> users who own accounts there / serve accounts there
    owners: dict[int, list[User]] = field(default_factory=dict)
    agents: dict[int, list[User]] = field(default_factory=dict)
    # business unit ids with a weight for "which subsidiary has the account"
    business_units: list[tuple[int, int]] = field(default_factory=list)


@transaction.atomic
def build_world() -> DemoWorld:
    """Create the demo org tree and users, reusing whatever already exists (by unit code and
    user name), so a second run neither fails nor duplicates anything."""
    org_services.ensure_builtin_roles()
    units: dict[str, OrgUnit] = {u.code: u for u in OrgUnit.objects.all()}
    existing_root = OrgUnit.objects.filter(kind=G).first()
    for code, name, name_en, kind, parent in UNITS:
        if code in units:
            continue
        if kind == G and existing_root is not None:
            units[code] = existing_root  # a group root exists already: hang the demo off it
            continue
        units[code] = org_services.create_org_unit(
            actor=None,
            name=name,
            name_en=name_en,
            code=code,
            kind=kind,
            parent=units[parent] if parent else None,
        )
    roles = {r.code: r for r in Role.objects.all()}
    users: list[DemoUser] = []
    for username, full_name, role, unit in USERS:
        user = User.objects.filter(username=username).first()
        if user is not None:
            users.append(DemoUser(user, ""))
            continue
        user = org_services.create_user(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            org_unit=units[unit],
            role=roles[role],
            full_name=full_name,
            email=f"{username}@xinren-demo.cn",
            is_superuser=username == "admin",
        )
        users.append(DemoUser(user, DEMO_PASSWORD))
    world = DemoWorld(units=units, users=users, admin=users[0].user)
    weights = {"XR": 1, "XR-EC": 4, "XR-SC": 3, "XR-SW": 2}
    for demo in users:
        user = demo.user
        if user.org_unit_id is None or user.role_id is None or not user.is_active:
            continue
        bu = user.org_unit.business_unit_id
        if user.role.code in OWNER_ROLES:
            world.owners.setdefault(bu, []).append(user)
        elif user.role.code == SERVICE_ROLE:
            world.agents.setdefault(bu, []).append(user)
    for code, weight in weights.items():
        bu = units[code].business_unit_id
        if bu in world.owners:
            world.business_units.append((bu, weight))
    if not world.business_units:
        raise RuntimeError("demo: no sales users to own customer accounts")
    return world
