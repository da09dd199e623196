from django.apps import AppConfig


class TodoConfig(AppConfig):
    name = "backend.todo"
    label = "todo"
    verbose_name = "待办"
