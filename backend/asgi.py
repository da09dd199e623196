"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime import transport  # noqa: E402
from realtime.auth import ws_auth_stack  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# A WebSocket that stops reading is closed (4408) before its buffer grows without bound.
transport.install()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": ws_auth_stack(URLRouter(websocket_urlpatterns)),
    }
)
