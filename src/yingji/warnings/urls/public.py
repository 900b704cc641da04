from django.urls import path

from yingji.warnings.views import public as public_views
from yingji.warnings.views import subscribe as subscribe_views

app_name = "warnings_public"

urlpatterns = [
    path("", public_views.active_list, name="list"),
    path("here/", public_views.here, name="here"),
    path("subscribe/", subscribe_views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:reference>/", subscribe_views.confirm, name="confirm"),
    path("unsubscribe/", subscribe_views.end, name="end"),
    path("unsubscribe/<str:token>/", subscribe_views.unsubscribe, name="unsubscribe"),
    path("counties.geojson", public_views.counties, name="counties"),
    path("<int:pk>/", public_views.detail, name="detail"),
]
