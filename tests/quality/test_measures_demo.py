"""``xinren demo`` leaves a dashboard worth looking at: standards per subsidiary, today's
real scores, and weekly snapshots rising to today's."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from xinren.customers.models import CustomerAccount
from xinren.orgs.models import OrgUnit, User
from xinren.quality.measures import selectors
from xinren.quality.measures.demo import START_COMPLETENESS, WEEKS
from xinren.quality.measures.models import QualityProfile, QualityScore

pytestmark = pytest.mark.django_db


def test_demo_loads_scores_standards_and_a_rising_trend():
    out = io.StringIO()
    call_command("demo", "--companies", "60", "--history-years", "1", stdout=out)
    assert "Data-quality scores of" in out.getvalue()
    assert QualityScore.objects.count() == CustomerAccount.objects.count()
    strict = OrgUnit.objects.filter(kind=OrgUnit.Kind.SUBSIDIARY).order_by("path").first()
    assert "website" in QualityProfile.objects.get(business_unit=strict).required
    admin = User.objects.get(username="admin")
    trend = selectors.trend(admin)
    assert len(trend) == WEEKS + 1
    values = [p["completeness"] for p in trend]
    assert values == sorted(values) and values[0] < values[-1]
    assert abs(values[0] - START_COMPLETENESS) < 0.01
    # Today's point is the live measure, not demo history.
    assert values[-1] == selectors.measures(admin).completeness
    # The stricter subsidiary ranks below 100 %, so the worst list has something to fix.
    assert selectors.measures(admin).completeness < 1
    assert selectors.worst_page(admin, 5)[0].missing
