"""Flow definitions as data: checking a node tree and flattening it to a route.

The node format is documented in `docs/workflow.md`. A route is the list of
approver and CC steps one instance takes once its conditions are decided.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from backend.directory.models import Role
from backend.workflow.conditions import OPS, evaluate

NODE_TYPES = ("approver", "cc", "condition")
MODES = ("sequential", "all", "any")
ASSIGNEE_KINDS = ("users", "role", "dept_head", "leader", "chosen")
CHOOSERS = ("initiator", "previous")
MAX_NODES = 50
MAX_LEADER_LEVELS = 5
MAX_DEADLINE_HOURS = 24 * 30
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")

Step = dict[str, Any]


class InvalidFlow(InvalidInput):
    entry = codes.INVALID_FLOW


def validate_nodes(
    nodes: Any, *, check_condition: Callable[[Mapping[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Check a node tree as an administrator saved it; raise InvalidFlow naming the node."""
    if not isinstance(nodes, list):
        raise InvalidFlow("流程节点格式错误")
    seen: set[str] = set()
    _check_list(nodes, "nodes", seen, check_condition)
    if not any(step["type"] == "approver" for step in _walk(nodes)):
        raise InvalidFlow("流程至少需要一个审批节点")
    if len(seen) > MAX_NODES:
        raise InvalidFlow(f"流程节点不能超过{MAX_NODES}个")
    return nodes


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        for branch in node.get("branches", []):
            yield from _walk(branch["nodes"])


def _check_list(
    nodes: list[Any],
    path: str,
    seen: set[str],
    check_condition: Callable[[Mapping[str, Any]], None] | None,
) -> None:
    if not isinstance(nodes, list):
        raise InvalidFlow("流程节点格式错误", fields={path: "格式错误"})
    for i, node in enumerate(nodes):
        _check_node(node, f"{path}.{i}", seen, check_condition)


def _fail(where: str, message: str) -> InvalidFlow:
    return InvalidFlow(message, fields={where: message})


def _check_node(
    node: Any,
    where: str,
    seen: set[str],
    check_condition: Callable[[Mapping[str, Any]], None] | None,
) -> None:
    if not isinstance(node, dict):
        raise _fail(where, "流程节点格式错误")
    node_id, name, kind = node.get("id"), node.get("name"), node.get("type")
    if not isinstance(node_id, str) or not _ID.match(node_id):
        raise _fail(where, "节点标识格式错误")
    if node_id in seen:
        raise _fail(where, f"节点标识重复：{node_id}")
    seen.add(node_id)
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 30:
        raise _fail(where, "请填写节点名称(不超过30字)")
    if kind not in NODE_TYPES:
        raise _fail(where, f"「{name}」的节点类型无效")
    if kind == "condition":
        _check_branches(node, where, seen, check_condition)
        return
    _check_assignees(node, where)
    if kind == "approver":
        if node.get("mode", "sequential") not in MODES:
            raise _fail(where, f"「{name}」的审批方式无效")
        if not isinstance(node.get("free", False), bool):
            raise _fail(where, f"「{name}」的自由流设置无效")
        _check_deadline(node, where)


def _check_assignees(node: dict[str, Any], where: str) -> None:
    spec, name = node.get("assignees"), node["name"]
    if not isinstance(spec, dict) or spec.get("kind") not in ASSIGNEE_KINDS:
        raise _fail(where, f"「{name}」未设置审批人")
    kind = spec["kind"]
    if kind == "users":
        users = spec.get("users")
        if not isinstance(users, list) or not users or not all(_is_id(u) for u in users):
            raise _fail(where, f"「{name}」请选择指定人员")
    elif kind == "role" and spec.get("role") not in Role.values:
        raise _fail(where, f"「{name}」的角色无效")
    elif kind == "leader":
        levels = spec.get("levels")
        if not isinstance(levels, int) or not 1 <= levels <= MAX_LEADER_LEVELS:
            raise _fail(where, f"「{name}」的领导层级应为1至{MAX_LEADER_LEVELS}")
    elif kind == "chosen":
        if spec.get("chooser") not in CHOOSERS:
            raise _fail(where, f"「{name}」请设置由谁选择审批人")
        if spec["chooser"] == "previous" and node["type"] == "cc":
            raise _fail(where, f"「{name}」抄送人不能由上一步选择")


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_deadline(node: dict[str, Any], where: str) -> None:
    hours = node.get("deadline_hours")
    if hours is None:
        return
    if not _is_id(hours) or hours > MAX_DEADLINE_HOURS:
        raise _fail(where, f"「{node['name']}」的办理时限应为1至{MAX_DEADLINE_HOURS}小时")


def _check_branches(
    node: dict[str, Any],
    where: str,
    seen: set[str],
    check_condition: Callable[[Mapping[str, Any]], None] | None,
) -> None:
    branches, name = node.get("branches"), node["name"]
    if not isinstance(branches, list) or len(branches) < 2:
        raise _fail(where, f"「{name}」至少需要两个分支")
    for i, branch in enumerate(branches):
        at = f"{where}.branches.{i}"
        if not isinstance(branch, dict) or not isinstance(branch.get("name"), str):
            raise _fail(at, "分支格式错误")
        when, last = branch.get("when"), i == len(branches) - 1
        if last and when is not None:
            raise _fail(at, f"「{name}」的最后一个分支应为「其他情况」")
        if not last:
            _check_when(when, at, check_condition)
        _check_list(branch.get("nodes", []), f"{at}.nodes", seen, check_condition)


def _check_when(
    when: Any, where: str, check_condition: Callable[[Mapping[str, Any]], None] | None
) -> None:
    if not isinstance(when, dict) or not isinstance(when.get("field"), str):
        raise _fail(where, "请设置分支条件")
    if when.get("op") not in OPS:
        raise _fail(where, "条件的比较方式无效")
    if check_condition is not None:
        check_condition(when)


def flatten(nodes: list[dict[str, Any]], facts: Mapping[str, Any]) -> list[Step]:
    """The steps one instance takes: conditions decided by the form's facts."""
    steps: list[Step] = []
    for node in nodes:
        if node["type"] == "condition":
            branch = next(
                b for b in node["branches"] if b["when"] is None or evaluate(b["when"], facts)
            )
            steps.extend(flatten(branch.get("nodes", []), facts))
            continue
        steps.append(
            {
                "id": node["id"],
                "type": node["type"],
                "name": node["name"],
                "mode": node.get("mode", "sequential") if node["type"] == "approver" else "",
                "assignees": node["assignees"],
                "deadline_hours": node.get("deadline_hours"),
                "free": bool(node.get("free")) if node["type"] == "approver" else False,
            }
        )
    return steps


def chosen_steps(nodes: list[dict[str, Any]], chooser: str) -> list[str]:
    """Ids of the nodes whose assignees `chooser` picks (anywhere in the tree)."""
    return [
        n["id"]
        for n in _walk(nodes)
        if n["type"] != "condition"
        and n["assignees"]["kind"] == "chosen"
        and n["assignees"].get("chooser") == chooser
    ]
