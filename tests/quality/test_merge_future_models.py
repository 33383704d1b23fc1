"""A model added later that refers to a company or an account (a certification application,
say) moves with a merge and back with its undo, with no change to the merge code."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, models

from tests import factories
from xinren.customers.models import Company, CustomerAccount
from xinren.quality.merging import merge_companies, unmerge


@pytest.fixture
def application_model(transactional_db):
    from xinren.orgs.services import ensure_builtin_roles

    ensure_builtin_roles()  # a transactional test flushes what the data migration made

    class Application(models.Model):
        company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
        account = models.ForeignKey(
            CustomerAccount, null=True, on_delete=models.CASCADE, related_name="+"
        )
        level = models.CharField(max_length=10)

        class Meta:
            app_label = "customers"

        def __str__(self) -> str:
            return self.level

    with connection.schema_editor() as editor:
        editor.create_model(Application)
    yield Application
    with connection.schema_editor() as editor:
        editor.delete_model(Application)
    del apps.all_models["customers"]["application"]
    apps.clear_cache()


def test_a_new_model_moves_and_comes_back(application_model):
    org = factories.build_org_tree()
    head = factories.make_user(org.a_sales, "department_head")
    s_acc = factories.make_customer(head, name="温州新成阀门有限公司")
    o_acc = factories.make_customer(head, name="温州新成阀门有限公司")
    app = application_model.objects.create(company=o_acc.company, account=o_acc, level="A")
    record = merge_companies(actor=head, survivor=s_acc.company, other=o_acc.company)
    app.refresh_from_db()
    assert (app.company_id, app.account_id) == (s_acc.company_id, s_acc.pk)
    unmerge(actor=head, record=record)
    app.refresh_from_db()
    assert (app.company_id, app.account_id) == (o_acc.company_id, o_acc.pk)
