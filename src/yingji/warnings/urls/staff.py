from django.urls import path

from yingji.warnings.views import staff as staff_views

app_name = "warnings"

urlpatterns = [
    path("", staff_views.warning_list, name="list"),
    path("new/", staff_views.warning_new, name="new"),
    path("<int:pk>/", staff_views.warning_detail, name="detail"),
    path("<int:pk>/edit/", staff_views.warning_edit, name="edit"),
    path("<int:pk>/deliveries/", staff_views.warning_deliveries, name="deliveries"),
]
