from django.urls import path

from yingji.warnings import views_public

app_name = "warnings_public"

urlpatterns = [
    path("", views_public.active_list, name="list"),
    path("here/", views_public.here, name="here"),
    path("subscribe/", views_public.subscribe, name="subscribe"),
    path("unsubscribe/<str:token>/", views_public.unsubscribe, name="unsubscribe"),
    path("counties.geojson", views_public.counties, name="counties"),
    path("<int:pk>/", views_public.detail, name="detail"),
]
