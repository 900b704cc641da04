from django.urls import path

from yingji.response import views

app_name = "response"

urlpatterns = [
    path("incidents/<int:incident_id>/act/", views.act, name="act"),
]
