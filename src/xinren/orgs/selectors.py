"""Every read of the org tree, users, roles and their history that respects what the reader
may manage. The API and the administration pages both start here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xinren.audit.models import ChangeLog

from .access import can_define_roles, can_grant_role, has_action, manageable_units
from .models import Action, OrgUnit, Role, User

UNIT_ENTITY = OrgUnit._meta.label_lower
USER_ENTITY = User._meta.label_lower
ROLE_ENTITY = Role._meta.label_lower
ORG_ENTITIES = (UNIT_ENTITY, USER_ENTITY, ROLE_ENTITY)


def visible_org_units(user: User) -> QuerySet[OrgUnit]:
    """The units whose structure and users ``user`` may manage (none without ``configure``)."""
    return manageable_units(user).select_related("parent", "business_unit")


def org_unit_for(user: User, unit_id: int) -> OrgUnit:
    """One manageable unit, or ``OrgUnit.DoesNotExist`` (also when it lies outside)."""
    return visible_org_units(user).get(pk=unit_id)


def visible_users(user: User) -> QuerySet[User]:
    """Users placed in a unit ``user`` manages."""
    return User.objects.filter(org_unit__in=manageable_units(user)).select_related(
        "org_unit", "role"
    )


def user_for(user: User, user_id: int) -> User:
    return visible_users(user).get(pk=user_id)


def visible_roles(user: User) -> QuerySet[Role]:
    """Roles are group-wide definitions: anyone with ``configure`` reads them all (to pick one
    when placing a user); only group-scope configurers change them."""
    if not has_action(user, Action.CONFIGURE):
        return Role.objects.none()
    return Role.objects.all()


def role_for(user: User, role_id: int) -> Role:
    return visible_roles(user).get(pk=role_id)


def grantable_roles(user: User) -> QuerySet[Role]:
    """Roles ``user`` may hand out: never wider than their own."""
    ids = [role.pk for role in visible_roles(user) if can_grant_role(user, role)]
    return Role.objects.filter(pk__in=ids)


def org_history(user: User, entity: str, object_id: int | None = None) -> QuerySet[ChangeLog]:
    """Change history of org units, users or roles that ``user`` may manage.

    Units and users: entries recorded against a unit the reader manages (a group-scope
    configurer also sees those of units deleted since). Roles: any configurer.
    """
    if entity not in ORG_ENTITIES or not has_action(user, Action.CONFIGURE):
        return ChangeLog.objects.none()
    rows = ChangeLog.objects.filter(entity=entity)
    if object_id is not None:
        rows = rows.filter(object_id=object_id)
    if entity == ROLE_ENTITY or can_define_roles(user):
        return rows
    return rows.filter(Q(org_unit_id__in=manageable_units(user).values("id")))
