"""Directory endpoints: units, departments, people, search, presence."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import FileResponse
from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput, NotFound
from backend.directory import selectors
from backend.directory.models import Position, User
from mobile_api.v1.common import errors, user_of
from mobile_api.v1.schemas import output
from realtime import presence

# --- output shapes ------------------------------------------------------------


class _TreeNode(serializers.Serializer[Any]):
    # A node whose `children` are nodes of its own kind (added when the fields are
    # built, as a class cannot name itself in its own body).
    children_help = ""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["children"] = type(self)(many=True, help_text=self.children_help)
        return fields


class UnitNodeSerializer(_TreeNode):
    children_help = "下级单位，结构同本对象"

    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    level = serializers.CharField()
    kind = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)


class DepartmentNodeSerializer(_TreeNode):
    children_help = "下级部门，结构同本对象"

    id = serializers.IntegerField()
    name = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    member_count = serializers.IntegerField(help_text="本部门及下级部门的人数")


class PersonPositionSerializer(serializers.Serializer[Any]):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    department_id = serializers.IntegerField()
    department_name = serializers.CharField()
    title = serializers.CharField()
    is_leader = serializers.BooleanField()


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mobile = serializers.CharField(
        help_text="个人手机号；通讯录策略不允许时为掩码（138****0003），见 mobile_masked"
    )
    mobile_masked = serializers.BooleanField(
        help_text="true：mobile 与 employee_no 为掩码（非同单位、无通讯录角色，或管理员账号）"
    )
    office_phone = serializers.CharField(allow_blank=True, help_text="办公电话，对所有人可见")
    avatar = serializers.CharField(allow_null=True)
    employee_no = serializers.CharField(allow_blank=True, help_text="工号；策略不允许时为掩码")
    presence = serializers.ChoiceField(choices=["online", "away", "offline"])
    positions = PersonPositionSerializer(many=True)


def _unit_payload(node: selectors.UnitNode) -> dict[str, Any]:
    unit = node.unit
    return {
        "id": unit.pk,
        "name": unit.name,
        "short_name": unit.short_name,
        "level": unit.level,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "children": [_unit_payload(child) for child in node.children],
    }


def _department_payload(node: selectors.DepartmentNode) -> dict[str, Any]:
    department = node.department
    return {
        "id": department.pk,
        "name": department.name,
        "parent_id": department.parent_id,
        "member_count": node.member_count,
        "children": [_department_payload(child) for child in node.children],
    }


def position_payload(position: Position) -> dict[str, Any]:
    """One post a person holds; `department__unit` must be loaded with it."""
    return {
        "unit_id": position.department.unit_id,
        "unit_name": position.department.unit.name,
        "department_id": position.department_id,
        "department_name": position.department.name,
        "title": position.title,
        "is_leader": position.is_leader,
    }


def person_payload(person: User, status: str, scope: selectors.ContactScope) -> dict[str, Any]:
    """A person as `scope`'s viewer may see them; positions must be prefetched
    (`selectors.people_with_positions`)."""
    full = scope.reveals(person)
    return {
        "id": person.pk,
        "name": person.name,
        "mobile": person.mobile if full else selectors.mask_mobile(person.mobile),
        "mobile_masked": not full,
        "office_phone": person.office_phone,
        "avatar": f"/api/v1/people/{person.pk}/avatar" if person.avatar else None,
        "employee_no": person.employee_no
        if full
        else selectors.mask_employee_no(person.employee_no),
        "presence": status,
        "positions": [position_payload(p) for p in person.positions.all()],
    }


def _people_payload(
    people: Iterable[User], viewer: User, scope: selectors.ContactScope | None = None
) -> list[dict[str, Any]]:
    people = list(people)
    found: Mapping[int, str] = presence.statuses(p.pk for p in people)
    scope = scope or selectors.contact_scope(viewer=viewer)
    return [person_payload(p, found.get(p.pk, presence.OFFLINE), scope) for p in people]


def _flag(raw: str | None) -> bool:
    return (raw or "").strip().lower() in {"1", "true", "yes"}


# --- views ----------------------------------------------------------------------


class UnitTreeView(APIView):
    @extend_schema(responses={200: UnitNodeSerializer(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        roots = selectors.unit_tree(viewer=user_of(request))
        return Response(
            output(UnitNodeSerializer, [_unit_payload(node) for node in roots], many=True)
        )


class UnitDepartmentsView(APIView):
    @extend_schema(responses={200: DepartmentNodeSerializer(many=True), **errors(401, 404)})
    def get(self, request: Request, unit_id: int) -> Response:
        roots = selectors.department_tree(viewer=user_of(request), unit_id=unit_id)
        return Response(
            output(
                DepartmentNodeSerializer, [_department_payload(node) for node in roots], many=True
            )
        )


class DepartmentPeopleView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "recursive", bool, required=False, description="为 1 时包含下级部门人员"
            )
        ],
        responses={200: PersonSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, department_id: int) -> Response:
        people = selectors.department_people(
            viewer=user_of(request),
            department_id=department_id,
            recursive=_flag(request.query_params.get("recursive")),
        )
        return Response(
            output(PersonSerializer, _people_payload(people, user_of(request)), many=True)
        )


class SearchView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description="姓名、拼音、首字母、手机号(至少3位)或职务，1到50个字",
            )
        ],
        responses={200: PersonSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        query = (request.query_params.get("q") or "").strip()
        if not query or len(query) > selectors.SEARCH_MAX_CHARS:
            raise InvalidInput.of(
                codes.INVALID_QUERY, f"请输入1到{selectors.SEARCH_MAX_CHARS}个字的搜索内容"
            )
        scope = selectors.contact_scope(viewer=user_of(request))
        people = selectors.people_search(viewer=user_of(request), query=query, scope=scope)
        payload = _people_payload(people, user_of(request), scope)
        return Response(output(PersonSerializer, payload, many=True))


class PersonDetailView(APIView):
    @extend_schema(responses={200: PersonSerializer, **errors(401, 404)})
    def get(self, request: Request, person_id: int) -> Response:
        person = selectors.person_get(viewer=user_of(request), person_id=person_id)
        return Response(output(PersonSerializer, _people_payload([person], user_of(request))[0]))


class AvatarNotFound(NotFound):
    entry = codes.AVATAR_NOT_FOUND


class PersonAvatarView(APIView):
    @extend_schema(responses={(200, "image/*"): bytes, **errors(401, 404)})
    def get(self, request: Request, person_id: int) -> FileResponse:
        person = selectors.person_get(viewer=user_of(request), person_id=person_id)
        if not person.avatar:
            raise AvatarNotFound()
        mime = mimetypes.guess_type(person.avatar.name)[0] or "application/octet-stream"
        response = FileResponse(person.avatar.open("rb"), content_type=mime)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class DepartmentOnlineView(APIView):
    @extend_schema(responses={200: PersonSerializer(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        colleagues = selectors.department_online(
            viewer=user_of(request), statuses=presence.statuses
        )
        scope = selectors.contact_scope(viewer=user_of(request))
        people = [person_payload(c.person, c.status, scope) for c in colleagues]
        return Response(output(PersonSerializer, people, many=True))


urlpatterns: list[URLPattern] = [
    path("directory/units", UnitTreeView.as_view()),
    path("directory/units/<id:unit_id>/departments", UnitDepartmentsView.as_view()),
    path("directory/departments/<id:department_id>/people", DepartmentPeopleView.as_view()),
    path("directory/search", SearchView.as_view()),
    path("directory/online", DepartmentOnlineView.as_view()),
    path("people/<id:person_id>", PersonDetailView.as_view()),
    path("people/<id:person_id>/avatar", PersonAvatarView.as_view()),
]
