from django.urls import path

from yingji.majorhazards import views

app_name = "majorhazards"

urlpatterns = [
    path("", views.installation_list, name="list"),
    path("new/", views.installation_new, name="new"),
    path("<int:pk>/", views.installation_detail, name="detail"),
]
