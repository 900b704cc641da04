from django.urls import path

from yingji.command import incident_views as views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path("incidents/new/", views.incident_new, name="new"),
    path("incidents/from-alarm/<int:alarm_id>/", views.incident_from_alarm, name="from-alarm"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("incidents/<int:pk>/act/", views.incident_action, name="act"),
    path("incidents/<int:pk>/screen/", views.screen, name="screen"),
    path("incidents/<int:pk>/screen/live/", views.screen_live, name="screen-live"),
]
