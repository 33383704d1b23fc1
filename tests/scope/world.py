"""A small group with one customer in each position relative to the user under test."""

from __future__ import annotations

from types import SimpleNamespace

from tests import factories

# Where the customer's account sits, seen from a user placed in subsidiary A's sales dept.
POSITIONS = [
    "own",
    "same_department",
    "child_department",
    "sibling_department",
    "other_subsidiary",
    "hq",
]

# Which positions each data scope reaches.
REACH = {
    "group": set(POSITIONS),
    "subsidiary": {"own", "same_department", "child_department", "sibling_department"},
    "department": {"own", "same_department", "child_department"},
    "own": {"own"},
}

BUILTIN = {
    # role code: (scope, actions)
    "group_admin": ("group", {"view", "create", "edit", "delete", "export"}),
    "subsidiary_admin": ("subsidiary", {"view", "create", "edit", "delete", "export"}),
    "department_head": ("department", {"view", "create", "edit", "delete", "export"}),
    "sales_rep": ("own", {"view", "create", "edit", "export"}),
    "service_agent": ("own", {"view", "edit"}),
    "risk_officer": ("subsidiary", {"view", "export"}),
    "auditor": ("group", {"view", "export"}),
}


def build_world(role_code: str) -> SimpleNamespace:
    org = factories.build_org_tree()
    user = factories.make_user(org.a_sales, role_code, username="subject")
    colleague = factories.make_user(org.a_sales, "sales_rep", username="colleague")
    junior = factories.make_user(org.a_east, "sales_rep", username="junior")
    sibling = factories.make_user(org.a_service, "sales_rep", username="sibling")
    other = factories.make_user(org.b_sales, "sales_rep", username="other")
    hq_rep = factories.make_user(org.hq_office, "sales_rep", username="hqrep")
    owners = {
        "own": user
        if role_code in ("sales_rep", "group_admin", "subsidiary_admin", "department_head")
        else None,
        "same_department": colleague,
        "child_department": junior,
        "sibling_department": sibling,
        "other_subsidiary": other,
        "hq": hq_rep,
    }
    accounts = {}
    for i, (position, owner) in enumerate(owners.items()):
        if owner is None:
            # Roles without the create right still own or serve accounts: a colleague creates
            # it and hands it over (service agents are put on the service team).
            account = factories.make_customer(colleague, name=f"矩阵{i}号客户{position}有限公司")
            from xinren.customers.models import ServiceAssignment

            ServiceAssignment.objects.create(account=account, user=user)
        else:
            account = factories.make_customer(owner, name=f"矩阵{i}号客户{position}有限公司")
        accounts[position] = account
    return SimpleNamespace(org=org, user=user, accounts=accounts)
