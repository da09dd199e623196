from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "backend.calls"
    label = "calls"
    verbose_name = "音视频通话"

    def ready(self) -> None:
        from backend.calls import socket
        from backend.calls.cards import CallCard
        from backend.calls.reach import register as reach_register
        from realtime import cards, socket_commands

        cards.register(CallCard())
        for name, handler in socket.COMMANDS.items():
            socket_commands.register(name, handler)
        socket_commands.on_connect(socket.ringing_frames)
        socket_commands.on_disconnect(socket.socket_closed)
        reach_register()
