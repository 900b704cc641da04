from django.urls import path

from yingji.resources import views

app_name = "resources_public"

urlpatterns = [
    path("", views.public_shelters, name="shelters"),
]
