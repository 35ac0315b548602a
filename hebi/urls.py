from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("", include("hebi.core.urls")),
    path("accounts/", include("hebi.accounts.urls")),
    path("orgs/", include("hebi.orgs.urls")),
    path("committee/", include("hebi.governance.urls")),
    path("platforms/", include("hebi.platforms.urls")),
    path("funds/", include("hebi.finance.urls")),
    path("patents/", include("hebi.catalog.patent_urls")),
    path("", include("hebi.matching.urls")),
    path("contracts/", include("hebi.contracts.urls")),
    path("licences/", include("hebi.contracts.licence_urls")),
    path("deals/", include("hebi.deals.urls")),
    path("reports/", include("hebi.insights.urls")),
    path("challenges/", include("hebi.challenges.urls")),
    path("events/", include("hebi.events.urls")),
    path("", include("hebi.catalog.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("hebi.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
