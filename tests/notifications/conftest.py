import pytest

from tests import factories


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep", email="rep@example.cn")


@pytest.fixture
def agent(org):
    return factories.make_user(
        org.a_service, "service_agent", username="agent", email="agent@example.cn"
    )


@pytest.fixture
def account(rep, agent):
    from xinren.customers.models import ServiceAssignment

    account = factories.make_customer(rep, name="杭州云启信息科技有限公司")
    ServiceAssignment.objects.create(account=account, user=agent)
    return account


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
