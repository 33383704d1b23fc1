import os

import pytest
from hypothesis import settings as hypothesis_settings

from tests import factories

# Property tests explore the same examples on every run: a CI failure can be reproduced, and
# never comes and goes with the random seed. (Set HYPOTHESIS_PROFILE=explore to search more.)
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
