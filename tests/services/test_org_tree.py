"""Org tree placement: paths, business units, moves, and no privilege escalation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from xinren.orgs import services
from xinren.orgs.models import OrgUnit, Role


@pytest.mark.django_db
def test_paths_and_business_units(org):
    assert org.hq.path == f"/{org.hq.pk}/"
    assert org.a_east.path == f"/{org.hq.pk}/{org.sub_a.pk}/{org.a_sales.pk}/{org.a_east.pk}/"
    assert org.a_east.business_unit == org.sub_a
    assert org.hq_office.business_unit == org.hq
    assert org.sub_b.business_unit == org.sub_b


@pytest.mark.django_db
def test_moving_a_department_moves_its_subtree(admin, org):
    services.update_org_unit(
        actor=admin,
        unit=org.a_sales,
        data={"parent": org.sub_b},
        expected_version=org.a_sales.version,
    )
    east = OrgUnit.objects.get(pk=org.a_east.pk)
    assert east.path.startswith(f"/{org.hq.pk}/{org.sub_b.pk}/{org.a_sales.pk}/")
    assert east.business_unit_id == org.sub_b.pk


@pytest.mark.django_db
def test_cannot_move_under_own_descendant(admin, org):
    with pytest.raises(ValidationError) as info:
        services.update_org_unit(
            actor=admin,
            unit=org.a_sales,
            data={"parent": org.a_east},
            expected_version=org.a_sales.version,
        )
    assert info.value.error_dict["parent"][0].code == "cycle"


@pytest.mark.django_db
def test_second_group_root_refused(org):
    with pytest.raises(ValidationError):
        services.create_org_unit(actor=None, name="另一个集团", code="HQ2", kind="group")


@pytest.mark.django_db
def test_subsidiary_admin_stays_inside_their_subsidiary(org):
    sub_admin = factories.make_user(org.sub_a, "subsidiary_admin")
    services.create_org_unit(
        actor=sub_admin, name="华东新部门", code="SA-X", kind="department", parent=org.sub_a
    )
    with pytest.raises(PermissionDenied):
        services.create_org_unit(
            actor=sub_admin, name="越界部门", code="SB-X", kind="department", parent=org.sub_b
        )
    with pytest.raises(ValidationError) as info:
        services.create_user(
            actor=sub_admin,
            username="x1",
            password="Long-enough-2026",
            org_unit=org.b_sales,
            role=Role.objects.get(code="sales_rep"),
        )
    assert info.value.error_dict["org_unit"][0].code == "out_of_scope"


@pytest.mark.django_db
def test_no_one_grants_more_than_they_hold(org):
    sub_admin = factories.make_user(org.sub_a, "subsidiary_admin")
    with pytest.raises(ValidationError) as info:
        services.create_user(
            actor=sub_admin,
            username="x2",
            password="Long-enough-2026",
            org_unit=org.a_sales,
            role=Role.objects.get(code="group_admin"),
        )
    assert info.value.error_dict["role"][0].code == "escalation"
    rep = factories.make_user(org.a_sales, "sales_rep")
    with pytest.raises(PermissionDenied):
        services.create_user(
            actor=rep,
            username="x3",
            password="Long-enough-2026",
            org_unit=org.a_sales,
            role=Role.objects.get(code="sales_rep"),
        )


@pytest.mark.django_db
def test_builtin_roles_are_protected_and_custom_roles_work(admin):
    builtin = Role.objects.get(code="sales_rep")
    with pytest.raises(ValidationError):
        services.update_role(
            actor=admin, role=builtin, data={"scope": "group"}, expected_version=builtin.version
        )
    with pytest.raises(ValidationError):
        services.delete_role(actor=admin, role=builtin)
    role = services.create_role(
        actor=admin,
        code="key_account",
        name="大客户经理",
        scope="subsidiary",
        actions=["view", "edit", "bogus"][:2],
    )
    assert role.actions == ["view", "edit"]
    with pytest.raises(ValidationError) as info:
        services.create_role(actor=admin, code="bad", name="坏角色", scope="own", actions=["fly"])
    assert info.value.error_dict["actions"][0].code == "choice"


@pytest.mark.django_db
def test_weak_password_refused_naming_the_field(admin, org):
    with pytest.raises(ValidationError) as info:
        services.create_user(
            actor=admin,
            username="weak",
            password="123",
            org_unit=org.a_sales,
            role=Role.objects.get(code="sales_rep"),
        )
    assert "password" in info.value.error_dict


@pytest.mark.django_db
@pytest.mark.real_hashing
def test_passwords_are_hashed_with_argon2(org):
    user = factories.make_user(org.a_sales, "sales_rep")
    assert user.password.startswith("argon2")
    assert user.check_password(factories.PASSWORD)


@pytest.mark.django_db
def test_deactivated_user_loses_all_access(admin, org):
    rep = factories.make_user(org.a_sales, "sales_rep")
    factories.make_customer(rep)
    services.delete_user(actor=admin, user=rep)
    rep.refresh_from_db()
    from xinren.customers.selectors import visible_companies

    assert not rep.is_active
    assert visible_companies(rep).count() == 0
