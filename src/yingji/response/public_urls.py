from django.urls import path

from yingji.response import views

app_name = "response_public"

urlpatterns = [
    path("<str:token>/", views.acknowledge, name="acknowledge"),
]
