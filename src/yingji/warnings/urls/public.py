from django.urls import path

from yingji.warnings.views import public as public_views

app_name = "warnings_public"

urlpatterns = [
    path("", public_views.active_list, name="list"),
    path("here/", public_views.here, name="here"),
    path("subscribe/", public_views.subscribe, name="subscribe"),
    path("unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("counties.geojson", public_views.counties, name="counties"),
    path("<int:pk>/", public_views.detail, name="detail"),
]
