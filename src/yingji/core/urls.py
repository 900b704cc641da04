from django.contrib.auth.views import LogoutView
from django.urls import path

from yingji.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("map/", views.map_page, name="map"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("organizations/", views.organization_list, name="organizations"),
    path("users/", views.user_list, name="users"),
    path("users/<int:user_id>/password-reset/", views.password_reset, name="password_reset"),
    path("audit/", views.audit_list, name="audit"),
    path("notifications/", views.notification_list, name="notifications"),
]
