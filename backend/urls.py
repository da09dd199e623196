from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("mobile_api.urls")),
]

# An out-of-range `<id:…>` (and any other 400 outside DRF) in the API's error shape.
handler400 = "backend.common.input_guard.bad_request"
