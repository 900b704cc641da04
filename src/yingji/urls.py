"""Top-level URLs: the pages of each domain, the API and the health check."""

from django.urls import include, path

from yingji.api import api
from yingji.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("enterprises/", include("yingji.enterprises.urls")),
    path("risks/", include("yingji.risks.urls")),
    path("hazards/", include("yingji.hazards.urls")),
    path("major-hazards/", include("yingji.majorhazards.urls")),
    path("monitoring/", include("yingji.monitoring.urls")),
    path("materials/", include("yingji.materials.urls")),
    path("warnings/coverage/", include("yingji.warnings.urls.coverage")),
    path("warnings/", include("yingji.warnings.urls.staff")),
    path("public/warnings/", include("yingji.warnings.urls.public")),
    path("resources/", include("yingji.resources.urls")),
    path("public/shelters/", include("yingji.resources.public_urls")),
    path("cap/", include("yingji.warnings.urls.cap")),
    path("duty/", include("yingji.command.urls")),
    path("command/", include("yingji.command.incident_urls")),
    path("response/", include("yingji.response.urls")),
    path("public/dispatch/", include("yingji.response.public_urls")),
    path("", include("yingji.core.urls")),
]

handler404 = "yingji.core.views.page_not_found"
