import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    Mark a test ``@pytest.mark.real_hashing`` to keep the production hashers."""
    if "real_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    return factories.build_org_tree()


@pytest.fixture
def admin(org):
    return factories.make_user(org.hq, "group_admin", username="admin")
