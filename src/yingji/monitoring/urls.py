from django.urls import path

from yingji.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.wall, name="wall"),
    path("live/", views.wall_live, name="wall_live"),
    path("sensors/<int:pk>/", views.sensor_detail, name="sensor"),
    path("alarms/", views.alarm_list, name="alarms"),
    path("alarms/<int:pk>/", views.alarm_detail, name="alarm"),
    path("gateways/new/", views.gateway_new, name="gateway_new"),
    path("gateways/<int:pk>/rotate/", views.gateway_rotate, name="gateway_rotate"),
    path("gateways/<int:pk>/revoke/", views.gateway_revoke, name="gateway_revoke"),
]
