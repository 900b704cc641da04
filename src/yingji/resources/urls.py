from django.urls import path

from yingji.resources import views

app_name = "resources"

urlpatterns = [
    path("", views.board_page, name="board"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("equipment/", views.equipment_list, name="equipment_list"),
    path("equipment/new/", views.equipment_new, name="equipment_new"),
    path("equipment/<int:pk>/", views.equipment_detail, name="equipment_detail"),
    path("shelters/", views.shelter_list, name="shelter_list"),
    path("shelters/new/", views.shelter_new, name="shelter_new"),
    path("shelters/<int:pk>/", views.shelter_detail, name="shelter_detail"),
    path("aviation/", views.aviation, name="aviation"),
    path("reach/", views.reach_page, name="reach"),
]
