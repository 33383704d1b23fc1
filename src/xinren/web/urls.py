from django.urls import path

from . import views, views_admin, views_customers

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views_admin.my_account, name="my-account"),
    # customers
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/export.csv", views.customer_export, name="customer-export"),
    path("customers/new/", views_customers.customer_create, name="customer-create"),
    path("customers/validate/", views_customers.customer_validate, name="customer-validate"),
    path("customers/<int:pk>/", views_customers.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", views_customers.customer_edit, name="customer-edit"),
    path("customers/<int:pk>/delete/", views_customers.customer_delete, name="customer-delete"),
    path(
        "customers/<int:pk>/history/",
        views_customers.customer_history_rows,
        name="customer-history",
    ),
    path("customers/<int:pk>/accounts/new/", views_customers.account_open, name="account-open"),
    path("accounts/<int:pk>/edit/", views_customers.account_edit, name="account-edit"),
    path("accounts/<int:pk>/delete/", views_customers.account_delete, name="account-delete"),
    path(
        "customers/<int:company_pk>/contacts/new/",
        views_customers.contact_form,
        name="contact-create",
    ),
    path("contacts/<int:pk>/edit/", views_customers.contact_form, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views_customers.contact_delete, name="contact-delete"),
    path(
        "customers/<int:pk>/documents/",
        views_customers.document_upload,
        name="document-upload",
    ),
    path(
        "documents/<int:pk>/download/",
        views_customers.document_download,
        name="document-download",
    ),
    path("documents/<int:pk>/delete/", views_customers.document_delete, name="document-delete"),
    # administration
    path("admin/org/", views_admin.org_tree, name="org-tree"),
    path("admin/org/new/", views_admin.org_unit_form, name="org-unit-create"),
    path("admin/org/<int:pk>/", views_admin.org_unit_form, name="org-unit-edit"),
    path("admin/org/<int:pk>/delete/", views_admin.org_unit_delete, name="org-unit-delete"),
    path("admin/users/", views_admin.user_list, name="user-list"),
    path("admin/users/new/", views_admin.user_form, name="user-create"),
    path("admin/users/<int:pk>/", views_admin.user_form, name="user-edit"),
    path("admin/users/<int:pk>/password/", views_admin.user_password, name="user-password"),
    path("admin/roles/", views_admin.role_list, name="role-list"),
    path("admin/roles/new/", views_admin.role_form, name="role-create"),
    path("admin/roles/<int:pk>/", views_admin.role_form, name="role-edit"),
    path("admin/roles/<int:pk>/delete/", views_admin.role_delete, name="role-delete"),
]
