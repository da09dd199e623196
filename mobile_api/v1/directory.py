"""Directory endpoints: units, departments, people, search, presence."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
