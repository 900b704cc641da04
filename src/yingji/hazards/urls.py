from django.urls import path

from yingji.hazards import views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:hazard_id>/", views.hazard_detail, name="detail"),
    path("attachments/<int:attachment_id>/", views.attachment_file, name="attachment"),
]
