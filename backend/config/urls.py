from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.common.spa import spa_index

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/auth/", include("backend.accounts.urls")),
    path("api/training/", include("backend.datasets.urls")),
    path("api/training/", include("backend.scheduling.urls")),
    path("api/training/", include("backend.jobs.urls")),
    path("api/training/", include("backend.telemetry.urls")),
    path("api/training/", include("backend.notifications.urls")),
    path("api/worker/", include("backend.workerapi.urls")),
    # Everything else is the single-page app (client-side routes like /training-jobs/<id>).
    re_path(r"^(?!api/|admin/|static/|media/).*$", spa_index, name="spa"),
]
