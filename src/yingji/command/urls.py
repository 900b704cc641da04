from django.urls import path

from yingji.command import views

app_name = "command"

urlpatterns = [
    path("", views.today, name="today"),
    path("rota/", views.rota, name="rota"),
    path("rota/export.xlsx", views.rota_export, name="rota-export"),
    path("rota/import/", views.rota_import, name="rota-import"),
    path("rota/assign/", views.rota_assign, name="rota-assign"),
    path("shifts/<int:shift_id>/handover/", views.handover, name="handover"),
    path("shifts/<int:shift_id>/swap/", views.swap_request, name="swap-request"),
    path("swaps/", views.swaps, name="swaps"),
    path("swaps/<int:swap_id>/decide/", views.swap_decide, name="swap-decide"),
    path("checkins/", views.checkins, name="checkins"),
    path("checkins/<int:checkin_id>/answer/", views.checkin_answer, name="checkin-answer"),
]
