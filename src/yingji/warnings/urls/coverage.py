from django.urls import path

from yingji.warnings.views import coverage as coverage_views

app_name = "warnings_coverage"

urlpatterns = [
    path("", coverage_views.overview, name="overview"),
]
