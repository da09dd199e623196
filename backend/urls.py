from django.contrib import admin
from django.urls import include, path

from backend.twofactor.admin_views import AdminLoginView, admin_two_factor

urlpatterns = [
    # The admin's login with the second factor, in front of the admin site's own.
    path("admin/login/", AdminLoginView.as_view(), name="admin-login"),
    path("admin/two-factor/", admin_two_factor, name="admin-two-factor"),
    path("admin/", admin.site.urls),
    path("", include("mobile_api.urls")),
]

# An out-of-range `<id:…>` (and any other 400 outside DRF) in the API's error shape.
handler400 = "backend.common.input_guard.bad_request"
