from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mobile_api import spa
from mobile_api.v1 import attachments, auth, conversations

v1: list[URLPattern | URLResolver] = [
    path("auth/csrf", auth.CsrfView.as_view()),
    path("auth/login", auth.LoginView.as_view()),
    path("auth/token", auth.TokenLoginView.as_view()),
    path("auth/logout", auth.LogoutView.as_view()),
    path("auth/ws-ticket", auth.WsTicketView.as_view()),
    path("me", auth.MeView.as_view()),
    path("me/password", auth.PasswordChangeView.as_view()),
    path("me/devices", auth.DeviceListView.as_view()),
    path("me/devices/sign-out-others", auth.DeviceSignOutOthersView.as_view()),
    path("me/devices/<id:device_id>", auth.DeviceDetailView.as_view()),
    path("conversations", conversations.ConversationListView.as_view()),
    path("conversations/<id:conversation_id>", conversations.ConversationDetailView.as_view()),
    path(
        "conversations/<id:conversation_id>/settings",
        conversations.ConversationSettingsView.as_view(),
    ),
    path("conversations/<id:conversation_id>/members", conversations.MemberListView.as_view()),
    path(
        "conversations/<id:conversation_id>/members/<id:user_id>",
        conversations.MemberDetailView.as_view(),
    ),
    path("conversations/<id:conversation_id>/leave", conversations.LeaveView.as_view()),
    path("conversations/<id:conversation_id>/dissolve", conversations.DissolveView.as_view()),
    path("conversations/<id:conversation_id>/transfer", conversations.TransferView.as_view()),
    path("conversations/<id:conversation_id>/admins", conversations.AdminView.as_view()),
    path("conversations/<id:conversation_id>/messages", conversations.MessageListView.as_view()),
    path("conversations/<id:conversation_id>/read", conversations.ReadView.as_view()),
    path("conversations/<id:conversation_id>/receipts", conversations.ReceiptCountsView.as_view()),
    path("messages/search", conversations.SearchView.as_view()),
    path("messages/<id:message_id>/receipts", conversations.MessageReceiptsView.as_view()),
    path("messages/<id:message_id>/recall", conversations.RecallView.as_view()),
    path("attachments", attachments.AttachmentUploadView.as_view()),
    path("attachments/<str:token>/download", attachments.AttachmentDownloadView.as_view()),
    path("attachments/<str:token>/thumbnail", attachments.AttachmentThumbnailView.as_view()),
    path("", include("mobile_api.v1.directory")),
    path("", include("mobile_api.v1.approvals")),
    path("", include("mobile_api.v1.documents")),
    path("", include("mobile_api.v1.push")),
    path("", include("mobile_api.v1.urgent")),
    path("", include("mobile_api.v1.audit")),
    path("", include("mobile_api.v1.supervision")),
    path("", include("mobile_api.v1.calls")),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    re_path(r"^(?!api/|ws/|admin/|static/|assets/)(?P<route>.*)$", spa.index),
]
