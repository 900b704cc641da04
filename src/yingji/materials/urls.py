from django.urls import path

from yingji.materials import views

app_name = "materials"

urlpatterns = [
    path("", views.warehouse_list, name="warehouse_list"),
    path("catalog/", views.catalog, name="catalog"),
    path("warehouses/new/", views.warehouse_new, name="warehouse_new"),
    path("warehouses/<int:pk>/", views.warehouse_detail, name="warehouse_detail"),
    path("movements/", views.movement_list, name="movement_list"),
    path("stock/export/", views.stock_export, name="stock_export"),
    path("stock/import/", views.stock_import, name="stock_import"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("carriers/", views.carrier_list, name="carrier_list"),
    path("carriers/<int:pk>/", views.carrier_detail, name="carrier_detail"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
]
