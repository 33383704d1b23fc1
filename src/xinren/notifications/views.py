"""Pages: notification centre, unread badge, preferences, reminder settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinren.jobs import services as jobs
from xinren.orgs.access import has_action
from xinren.orgs.models import Action
from xinren.web.forms import run_service

from . import selectors, services
from .forms import PreferencesForm, ReminderSettingsForm
from .models import Notification, NotificationKind

PAGE = 20


@login_required
def notification_list(request):
    """Newest first, keyset pages (``?before=<id>``); htmx asks for the next rows only."""
    unread = request.GET.get("unread") == "1"
    kind = request.GET.get("kind") or None
    if kind not in NotificationKind.values:
        kind = None
    qs = selectors.notifications_for(request.user, unread=unread, kind=kind)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    rows = list(qs.order_by("-pk")[: PAGE + 1])
    context = {
        "items": rows[:PAGE],
        "more": rows[PAGE - 1].pk if len(rows) > PAGE else None,
        "unread": unread,
        "kind": kind,
        "kinds": NotificationKind.choices,
    }
    if request.htmx and before:
        return render(request, "xinren/notifications/_rows.html", context)
    context["unread_total"] = selectors.unread_count(request.user)
    return render(request, "xinren/notifications/list.html", context)


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark read, then open the customer (or go back to the list)."""
    try:
        notification = services.mark_read(actor=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("通知不存在。")) from None
    target = notification.url if request.POST.get("open") else request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("web:notifications")


@login_required
@require_POST
def notification_read_all(request):
    count = services.mark_all_read(actor=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect("web:notifications")


@login_required
def unread_badge(request):
    return render(
        request,
        "xinren/notifications/_badge.html",
        {"notifications_unread": selectors.unread_count(request.user)},
    )


@login_required
def preferences(request):
    rows = selectors.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, rows=rows)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            form, lambda: services.set_preferences(actor=request.user, choices=form.choices())
        )
    ):
        messages.success(request, _("通知偏好已保存。"))
        return redirect("web:notification-preferences")
    table = [(row, [form[f"{row['kind']}__{c}"] for c in services.CHANNELS]) for row in rows]
    return render(request, "xinren/notifications/preferences.html", {"form": form, "table": table})


@login_required
def reminder_settings(request):
    """Reminder lead days per subsidiary (configure right); run the scan now."""
    if not has_action(request.user, Action.CONFIGURE):
        raise PermissionDenied(_("您的角色没有“配置”权限。"))
    units = list(selectors.configurable_units(request.user))
    chosen = request.POST.get("unit")
    job = None
    if request.method == "POST" and request.POST.get("run"):
        from .tasks import reminder_scan

        run = jobs.start("reminder_scan", request.user)
        reminder_scan(job_id=str(run.pk))
        job = run.__class__.objects.get(pk=run.pk)
    cards = []
    for unit in units:
        record = services.reminder_settings(unit)
        bound = request.method == "POST" and chosen == str(unit.pk)
        form = ReminderSettingsForm(
            request.POST if bound else None,
            prefix=f"u{unit.pk}",
            initial={
                "renewal_days_before": record.renewal_days_before,
                "payment_days_before": record.payment_days_before,
            },
        )
        if bound and form.is_valid():
            version = request.POST.get("version", "")

            def save(unit=unit, form=form, version=version):
                services.update_reminder_settings(
                    actor=request.user,
                    business_unit=unit,
                    data=form.cleaned_data,
                    expected_version=int(version) if version.isdigit() else None,
                )

            if run_service(form, save):
                messages.success(request, _("提醒设置已保存：%(n)s") % {"n": unit.name})
                return redirect("web:reminder-settings")
        cards.append((unit, form, record.version))
    return render(
        request,
        "xinren/notifications/reminder_settings.html",
        {"cards": cards, "job": job, "nav": "reminders"},
    )
