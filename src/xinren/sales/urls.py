"""Page routes of contracts, orders and payments (mounted by xinren.web.urls in the "web"
namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/<int:pk>/sales/", views.account_sales, name="account-sales"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/delete/", views.contract_delete, name="contract-delete"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order-edit"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order-delete"),
    path("receipts/<int:pk>/reverse/", views.receipt_reverse, name="receipt-reverse"),
    path("sales/import/", views.sales_import, name="sales-import"),
    path("sales/import/report.<str:fmt>", views.sales_import_report, name="sales-import-report"),
]
