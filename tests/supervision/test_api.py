"""督办 over REST: the contract (every response checked against /api/schema/, as in
tests/mobile_api), the journey, bad input, and the access
matrix of every endpoint × (owner, 协办, unrelated colleague, other unit)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backend.directory.models import User
from backend.supervision import selectors
from backend.supervision.models import SupervisionTask
from tests.mobile_api.conftest import error_of
from tests.supervision.conftest import create, days, split

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1/supervision"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_create_split_report_urge_apply_approve_over_rest(
    client_for: Callable[[User], Client],
    director: User,
    finance_head: User,
    budget_staff: User,
    edu_head: User,
) -> None:
    boss, lead, sub_owner = client_for(director), client_for(finance_head), client_for(budget_staff)
    made = post(
        boss,
        API,
        {
            "title": "推进政务服务一网通办",
            "source": "meeting",
            "requirement": "6月底前完成。",
            "lead": {"owner_id": finance_head.pk},
            "assists": [{"owner_id": edu_head.pk}],
            "deadline": days(30).isoformat(),
            "importance": "important",
            "cycle": "weekly",
            "milestones": [{"title": "方案报批", "due": days(10).isoformat()}],
        },
    )
    assert made.status_code == 201, made.json()
    root = made.json()
    assert (root["light"], root["light_text"], root["role"]) == (
        "green",
        "距节点「方案报批」还有10天",
        "lead",
    )
    assert [n["role"] for n in root["tree"]] == ["lead", "assist"]
    [milestone] = root["milestones"]
    assert (milestone["light"], milestone["light_label"], milestone["light_text"]) == (
        "green",
        "绿灯",
        "还有10天",
    )
    assert root["report_due"] == days(7).isoformat()
    assert [a["action"] for a in root["actions"]] == ["urge"]
    detail = lead.get(f"{API}/{root['id']}").json()
    assert [a["action"] for a in detail["actions"]] == ["report", "finish", "split", "extension"]

    child = post(
        lead,
        f"{API}/{root['id']}/split",
        {
            "title": "梳理事项清单",
            "part": {"owner_id": budget_staff.pk},
            "deadline": days(3).isoformat(),
        },
    )
    assert child.status_code == 201
    sub = child.json()
    assert (sub["parent_id"], sub["depth"], sub["light"], sub["light_text"]) == (
        root["id"],
        1,
        "yellow",
        "距截止还有3天",
    )
    r = post(sub_owner, f"{API}/{sub['id']}/reports", {"text": "已梳理40项", "percent": 40})
    assert r.status_code == 200
    assert r.json()["percent"] == 40
    r = post(boss, f"{API}/{sub['id']}/urge", {"message": "请本周报送"})
    assert r.json()["urge_count"] == 1
    assert [u["message"] for u in r.json()["urges"]] == ["请本周报送"]
    r = post(sub_owner, f"{API}/{sub['id']}/finish", {"result": "清单已报送"})
    assert (r.json()["status"], r.json()["applications"][0]["status"]) == ("applied", "pending")
    r = post(lead, f"{API}/{sub['id']}/decision", {"decision": "approve"})
    assert (r.json()["status"], r.json()["light"], r.json()["percent"]) == ("done", "done", 100)
    top = boss.get(f"{API}/{root['id']}").json()
    # Leaves: the done sub-task (100) and the untouched 协办 part (0).
    assert top["rollup"] == {
        "percent": 50,
        "light": "green",
        "counts": {"red": 0, "yellow": 0, "green": 1, "done": 1, "total": 2},
    }
    assert [r["task_title"] for r in top["reports"]] == ["梳理事项清单"]
    mine = sub_owner.get(API, {"box": "mine", "status": "done"}).json()["items"]
    assert [t["id"] for t in mine] == [sub["id"]]
    board = boss.get(f"{API}/dashboard").json()
    assert board["by_light"] == {"red": 0, "yellow": 0, "green": 1, "done": 0}
    assert board["by_unit"][0]["unit_name"] == "江城市财政局"


def test_bad_input_is_refused_with_catalogued_codes(
    client_for: Callable[[User], Client], director: User, finance_head: User, budget_staff: User
) -> None:
    boss, lead = client_for(director), client_for(finance_head)
    root = create(director, finance_head, deadline=10)
    body = {"lead": {"owner_id": finance_head.pk}, "title": "x", "deadline": days(5).isoformat()}
    assert error_of(post(boss, API, {**body, "cycle": "custom", "cycle_days": 0})) == (
        400,
        "invalid_cycle",
    )
    split = {"title": "子任务", "part": {"owner_id": budget_staff.pk}}
    url = f"{API}/{root.pk}"
    assert error_of(post(lead, f"{url}/split", {**split, "deadline": days(11).isoformat()})) == (
        400,
        "deadline_after_parent",
    )
    assert error_of(post(boss, f"{url}/split", {**split, "deadline": days(5).isoformat()})) == (
        403,
        "not_task_owner",
    )
    assert error_of(post(lead, f"{url}/reports", {"text": "完成", "percent": 100})) == (
        400,
        "percent_needs_finish",
    )
    assert error_of(post(lead, f"{url}/decision", {"decision": "approve"})) == (
        409,
        "no_pending_application",
    )
    post(lead, f"{url}/finish", {"result": "完成"})
    post(boss, f"{url}/decision", {"decision": "approve"})
    assert error_of(post(lead, f"{url}/reports", {"text": "补充", "percent": 10})) == (
        409,
        "task_finished",
    )
    assert error_of(lead.get(API, {"light": "purple"})) == (400, "invalid")
    assert SupervisionTask.objects.count() == 1


ENDPOINTS: dict[str, Callable[[Client, int], Any]] = {
    "detail": lambda c, i: c.get(f"{API}/{i}"),
    "split": lambda c, i: post(
        c,
        f"{API}/{i}/split",
        {
            "title": "子任务",
            "part": {"owner_id": c.owner_id},  # type: ignore[attr-defined]
            "deadline": days(5).isoformat(),
        },
    ),
    "reports": lambda c, i: post(c, f"{API}/{i}/reports", {"text": "进展", "percent": 10}),
    "urge": lambda c, i: post(c, f"{API}/{i}/urge", {"message": "请加快"}),
    "finish": lambda c, i: post(c, f"{API}/{i}/finish", {"result": "已完成"}),
    "extension": lambda c, i: post(
        c, f"{API}/{i}/extension", {"new_deadline": days(40).isoformat(), "reason": "需协调"}
    ),
    "decision": lambda c, i: post(c, f"{API}/{i}/decision", {"decision": "approve"}),
}
# What each person gets on the lead's task (the 协办 sees only their own part).
EXPECTED = {
    "detail": {"owner": 200, "assist": 404, "unrelated": 404, "other": 404},
    "split": {"owner": 201, "assist": 404, "unrelated": 404, "other": 404},
    "reports": {"owner": 200, "assist": 404, "unrelated": 404, "other": 404},
    "urge": {"owner": 403, "assist": 404, "unrelated": 404, "other": 404},
    "finish": {"owner": 409, "assist": 404, "unrelated": 404, "other": 404},  # 协办 part open
    "extension": {"owner": 200, "assist": 404, "unrelated": 404, "other": 404},
    "decision": {"owner": 409, "assist": 404, "unrelated": 404, "other": 404},
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_access_matrix_on_the_lead_task(
    endpoint: str,
    client_for: Callable[[User], Client],
    director: User,
    finance_head: User,
    edu_head: User,
    outsider: User,
    civil: User,
    budget_staff: User,
) -> None:
    root = create(director, finance_head, assists=(edu_head,))
    people = {"owner": finance_head, "assist": edu_head, "unrelated": outsider, "other": civil}
    got = {}
    for role, person in people.items():
        client = client_for(person)
        client.owner_id = budget_staff.pk  # type: ignore[attr-defined] # below the owner
        got[role] = ENDPOINTS[endpoint](client, root.pk).status_code
    assert got == EXPECTED[endpoint]


def test_access_matrix_of_lists_dashboard_and_create(
    client_for: Callable[[User], Client],
    director: User,
    finance_head: User,
    edu_head: User,
    outsider: User,
    civil: User,
) -> None:
    root = create(director, finance_head, assists=(edu_head,))
    [assist] = root.children.all()
    people = {"owner": finance_head, "assist": edu_head, "unrelated": outsider, "other": civil}
    seen = {
        role: [t["id"] for t in client_for(p).get(API, {"box": "all"}).json()["items"]]
        for role, p in people.items()
    }
    assert seen == {
        "owner": [root.pk, assist.pk],
        "assist": [assist.pk],
        "unrelated": [],
        "other": [],
    }
    totals = {
        role: client_for(p).get(f"{API}/dashboard").json()["total"] for role, p in people.items()
    }
    assert totals == {"owner": 1, "assist": 0, "unrelated": 0, "other": 0}
    assert client_for(edu_head).get(f"{API}/{assist.pk}").status_code == 200
    body = {"lead": {"owner_id": outsider.pk}, "title": "新事项", "deadline": days(5).isoformat()}
    made = {role: post(client_for(p), API, body).status_code for role, p in people.items()}
    assert made == {"owner": 201, "assist": 201, "unrelated": 403, "other": 403}
    # The list says who may create (the PWA shows 新建 by it), and 我协办的 holds 协办 parts.
    may = {role: client_for(p).get(API).json()["can_create"] for role, p in people.items()}
    assert may == {"owner": True, "assist": True, "unrelated": False, "other": False}
    assisting = {
        role: [t["id"] for t in client_for(p).get(API, {"box": "assist"}).json()["items"]]
        for role, p in people.items()
    }
    assert assisting == {"owner": [], "assist": [assist.pk], "unrelated": [], "other": []}
    supervised = client_for(director).get(API, {"box": "supervised"}).json()["items"]
    assert [t["id"] for t in supervised] == [root.pk, assist.pk]


def test_report_files_download_for_the_tasks_viewers_only(
    client_for: Callable[[User], Client],
    director: User,
    finance_head: User,
    civil: User,
) -> None:
    lead = client_for(finance_head)
    buffer = BytesIO(b"%PDF-1.4 progress")
    buffer.name = "进展材料.pdf"
    uploaded = lead.post("/api/v1/attachments", {"file": buffer}).json()
    root = create(director, finance_head)
    r = post(lead, f"{API}/{root.pk}/reports", {"text": "附材料", "attachments": [uploaded["id"]]})
    [report] = r.json()["reports"]
    assert [f["name"] for f in report["attachments"]] == ["进展材料.pdf"]
    url = f"{API}/{root.pk}/attachments/{uploaded['id']}"
    assert client_for(director).get(url).status_code == 200
    assert error_of(client_for(civil).get(url)) == (404, "supervision_not_found")
    assert error_of(client_for(director).get(f"{API}/{root.pk}/attachments/nope")) == (
        404,
        "attachment_not_found",
    )


def test_split_below_and_urge_rate_limit_over_rest(
    client_for: Callable[[User], Client],
    director: User,
    finance_head: User,
    budget_staff: User,
    civil: User,
) -> None:
    boss, lead = client_for(director), client_for(finance_head)
    root = create(director, finance_head)
    body = {"title": "子任务", "part": {"owner_id": civil.pk}, "deadline": days(5).isoformat()}
    r = post(lead, f"{API}/{root.pk}/split", body)
    assert error_of(r) == (403, "owner_not_below")
    assert r.json()["error"]["fields"] == {
        "part.owner_id": "只能分解给本单位、本部门及下级单位的人员"
    }
    assert SupervisionTask.objects.count() == 1
    assert post(boss, f"{API}/{root.pk}/urge", {"message": "请加快"}).status_code == 200
    r = post(boss, f"{API}/{root.pk}/urge", {"message": "再催"})
    assert error_of(r) == (429, "urged_recently")
    assert r.json()["error"]["message"] == "该事项30分钟内已催办过，请稍后再催办"
    detail = boss.get(f"{API}/{root.pk}").json()
    assert detail["urge_count"] == 1
    [urge] = [a for a in detail["actions"] if a["action"] == "urge"]
    assert (urge["enabled"], urge["disabled_reason"]) == (False, r.json()["error"]["message"])


def test_dashboard_counts_by_roll_up_light_in_fixed_queries_and_lists_the_overdue(
    client_for: Callable[[User], Client],
    director: User,
    finance_head: User,
    budget_staff: User,
) -> None:
    green = create(director, finance_head, deadline=30, title="绿灯事项")
    create(director, finance_head, deadline=2, title="黄灯事项")  # normal: yellow within 3 days
    red = create(director, finance_head, deadline=10, title="红灯事项")
    SupervisionTask.objects.filter(pk=red.pk).update(deadline=days(-3))
    # A red sub-task turns its green root red on the board, but the root is not overdue itself.
    sub = split(finance_head, green, budget_staff, deadline=5)
    SupervisionTask.objects.filter(pk=sub.pk).update(deadline=days(-1))
    boss = client_for(director)
    board = boss.get(f"{API}/dashboard").json()
    assert (board["total"], board["by_light"]) == (
        3,
        {"red": 2, "yellow": 1, "green": 0, "done": 0},
    )
    assert [(t["title"], t["light_text"]) for t in board["overdue"]] == [("红灯事项", "已超期3天")]
    assert board["overdue_total"] == 1
    [row] = board["by_unit"]
    assert (row["unit_name"], row["total"], row["red"], row["on_time_rate"]) == (
        "江城市财政局",
        3,
        2,
        33,
    )
    # Set-based: more trees cost no more queries.
    with CaptureQueriesContext(connection) as few:
        selectors.dashboard(viewer=director)
    for n in range(5):
        root = create(director, finance_head, deadline=20 + n, title=f"事项{n}")
        split(finance_head, root, budget_staff, deadline=3)
    with CaptureQueriesContext(connection) as more:
        board_now = selectors.dashboard(viewer=director)
    assert board_now["total"] == 8
    assert len(more.captured_queries) == len(few.captured_queries)
