from django.urls import path

from yingji.warnings import views

app_name = "warnings"

urlpatterns = [
    path("", views.warning_list, name="list"),
    path("new/", views.warning_new, name="new"),
    path("<int:pk>/", views.warning_detail, name="detail"),
    path("<int:pk>/edit/", views.warning_edit, name="edit"),
    path("<int:pk>/deliveries/", views.warning_deliveries, name="deliveries"),
]
