from django.urls import path

from yingji.warnings import views_coverage

app_name = "warnings_coverage"

urlpatterns = [
    path("", views_coverage.overview, name="overview"),
]
