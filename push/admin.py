from django.contrib import admin

from push.models import Delivery, PushSubscription


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    """The administrator's view of the delivery log: what, when, which channel, result."""

    list_display = (
        "notification",
        "channel",
        "state",
        "target",
        "attempts",
        "error_code",
        "updated_at",
    )
    list_filter = ("channel", "state")
    search_fields = ("notification__user__name", "target", "provider_message_id")
    raw_id_fields = ("notification",)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin[PushSubscription]):
    list_display = ("user", "user_agent", "created_at", "last_success_at")
    raw_id_fields = ("user",)
