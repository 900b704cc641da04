from django.urls import path

from yingji.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("points/", views.point_list, name="points"),
    path("points/new/", views.point_create, name="point_create"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("points/<int:pk>/edit/", views.point_edit, name="point_edit"),
    path("bandings/", views.bandings, name="bandings"),
]
