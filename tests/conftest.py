import pytest

from tests import factories


@pytest.fixture
def org(db):
    return factories.build_org_tree()


@pytest.fixture
def admin(org):
    return factories.make_user(org.hq, "group_admin", username="admin")
