from django.urls import include, path

from xinren.cadence import views as cadence_views
from xinren.customers import views as customer_views
from xinren.jobs import views as job_views
from xinren.notifications import views as notification_views
from xinren.orgs import views as org_views
from xinren.quality import export_views
from xinren.sales import urls as sales_urls

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", org_views.my_account, name="my-account"),
    # customers
    path("customers/", customer_views.customer_list, name="customer-list"),
    path(  # the customer list's first export address, kept: the generic export of "customers"
        "customers/export.csv",
        export_views.export,
        {"name": "customers", "fmt": "csv"},
        name="customer-export",
    ),
    path("customers/new/", customer_views.customer_create, name="customer-create"),
    path("customers/validate/", customer_views.customer_validate, name="customer-validate"),
    path("customers/<int:pk>/", customer_views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", customer_views.customer_edit, name="customer-edit"),
    path("customers/<int:pk>/delete/", customer_views.customer_delete, name="customer-delete"),
    path(
        "customers/<int:pk>/history/",
        customer_views.customer_history_rows,
        name="customer-history",
    ),
    path("customers/<int:pk>/accounts/new/", customer_views.account_open, name="account-open"),
    path("accounts/<int:pk>/edit/", customer_views.account_edit, name="account-edit"),
    path("accounts/<int:pk>/delete/", customer_views.account_delete, name="account-delete"),
    path(
        "customers/<int:company_pk>/contacts/new/",
        customer_views.contact_form,
        name="contact-create",
    ),
    path("contacts/<int:pk>/edit/", customer_views.contact_form, name="contact-edit"),
    path("contacts/<int:pk>/delete/", customer_views.contact_delete, name="contact-delete"),
    path(
        "customers/<int:pk>/documents/",
        customer_views.document_upload,
        name="document-upload",
    ),
    path(
        "documents/<int:pk>/download/",
        customer_views.document_download,
        name="document-download",
    ),
    path("documents/<int:pk>/delete/", customer_views.document_delete, name="document-delete"),
    path("accounts/<int:pk>/tier/", cadence_views.account_tier, name="account-tier"),
    path("admin/cadence/", cadence_views.visit_policies, name="visit-policies"),
    *sales_urls.urlpatterns,
    path("", include("xinren.activities.urls")),  # interactions and timelines
    path("", include("xinren.quality.urls")),  # duplicate check on entry
    path("", include("xinren.kyc.urls")),  # watch lists and screening
    path("", include("xinren.risk.urls")),  # risk scores and credit policy
    # notifications and background jobs
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/badge/", notification_views.unread_badge, name="notification-badge"),
    path(
        "notifications/read-all/",
        notification_views.notification_read_all,
        name="notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification-read",
    ),
    path("me/notifications/", notification_views.preferences, name="notification-preferences"),
    path("admin/reminders/", notification_views.reminder_settings, name="reminder-settings"),
    path("jobs/<uuid:pk>/progress/", job_views.job_progress, name="job-progress"),
    # administration
    path("admin/org/", org_views.org_tree, name="org-tree"),
    path("admin/org/new/", org_views.org_unit_form, name="org-unit-create"),
    path("admin/org/<int:pk>/", org_views.org_unit_form, name="org-unit-edit"),
    path("admin/org/<int:pk>/delete/", org_views.org_unit_delete, name="org-unit-delete"),
    path("admin/users/", org_views.user_list, name="user-list"),
    path("admin/users/new/", org_views.user_form, name="user-create"),
    path("admin/users/<int:pk>/", org_views.user_form, name="user-edit"),
    path("admin/users/<int:pk>/password/", org_views.user_password, name="user-password"),
    path("admin/roles/", org_views.role_list, name="role-list"),
    path("admin/roles/new/", org_views.role_form, name="role-create"),
    path("admin/roles/<int:pk>/", org_views.role_form, name="role-edit"),
    path("admin/roles/<int:pk>/delete/", org_views.role_delete, name="role-delete"),
]
