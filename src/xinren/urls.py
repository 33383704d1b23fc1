from django.urls import include, path

from xinren.api import api
from xinren.web.views_health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("xinren.web.urls")),
]
