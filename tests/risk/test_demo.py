"""``xinren demo`` scores every account once, so the risk pages have something to show: the
customers whose payments slipped in the demo history are medium or high."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinren.customers.models import CustomerAccount
from xinren.notifications.models import Notification, NotificationKind
from xinren.risk.models import RiskAssessment, RiskChange

pytestmark = pytest.mark.django_db


def test_demo_scores_every_account_and_some_are_at_risk():
    out = io.StringIO()
    call_command("demo", "--companies", "60", "--history-years", "1", stdout=out)
    assert "Risk scores of" in out.getvalue()
    assert RiskAssessment.objects.count() == CustomerAccount.objects.count()
    levels = set(RiskAssessment.objects.values_list("level", flat=True))
    assert levels - {"low"}, "the demo history makes some customers risky"
    for assessment in RiskAssessment.objects.exclude(level="low")[:20]:
        assert assessment.factors, "every score explains itself"
    # First scores are not changes: nobody is alerted about the demo itself. The only changes
    # from a level are the replayed history of the late payers, dated in the past.
    replayed = set(
        RiskChange.objects.filter(changed_at__lt=timezone.now() - dt.timedelta(days=1)).values_list(
            "account_id", flat=True
        )
    )
    from_level = set(
        RiskChange.objects.filter(old_level__in=["medium", "high"]).values_list(
            "account_id", flat=True
        )
    )
    assert from_level <= replayed
    assert not Notification.objects.filter(kind=NotificationKind.RISK_LEVEL).exists()
