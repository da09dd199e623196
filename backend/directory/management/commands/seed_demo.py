"""Seed a realistic demo organisation (江城市) and a few lively conversations.

Idempotent: units are keyed by `code`, departments by (unit, parent, name),
people by a deterministic mobile number, positions and roles by their
unique keys, groups by (name, owner) and messages by the sender's
`client_id`. Running it twice changes nothing. Everything goes through the
directory and messaging services, as a user's own actions would.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from backend.directory import services as directory
from backend.directory.models import Department, Role, RoleAssignment, Unit, User
from realtime import services as messaging
from realtime.models import Conversation

# The documented password of the demo seed only (bandit B105 justified).
DEMO_PASSWORD = "zhengtong2026"  # nosec B105
SEED = 2026

# --- names --------------------------------------------------------------------------

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊"
    "秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
)


# Given names as people really have them (one or two characters).
def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN_MALE = _words(
    "伟 磊 勇 军 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 建华 志强 国庆 海涛 晓东 文斌 "
    "志刚 永明 俊杰 宏伟 振华 立新 建军 春雷 德明 金龙 浩然 子轩 明辉 晓峰 卫东 国华 文杰 新民 "
    "建平 志勇 海波 成龙 永强 晓光 天宇 家豪 思远 俊峰 国栋 庆丰 学军 红兵 宇航 博文 一鸣"
)
GIVEN_FEMALE = _words(
    "芳 娜 敏 静 丽 艳 娟 霞 慧 婷 颖 洁 琳 秀兰 桂英 丽华 玉梅 海燕 晓燕 雪梅 丽娟 婷婷 静怡 "
    "欣怡 雅琴 慧敏 春梅 红霞 美玲 淑芬 凤英 晓丽 佳琪 文静 思雨 晓红 丹丹 玉兰 秋菊 梦瑶 雨欣"
)

# --- the organisation -----------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    short: str
    level: str
    kind: str
    parent: str | None
    head: str = ""  # title of the unit's head; "" = a container without people
    deputy: str = ""
    leaders_dept: str = ""
    sections: tuple[str, ...] = ()
    # the section whose head administers the unit and whose clerk handles 公文
    office: str = "办公室"
    deputies: int = 2
    # A leadership body (市委, 市政府) whose 公文 and admin work its office
    # unit (市委办, 市府办) does: that office's admins and clerks serve it too.
    served_by: str | None = None


CITY_BUREAUS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (code suffix, name, short name, business sections)
    ("FIN", "江城市财政局", "财政局", ("预算科", "国库科")),
    ("NDRC", "江城市发展和改革委员会", "发改委", ("综合规划科", "固定资产投资科")),
    ("EDU", "江城市教育局", "教育局", ("基础教育科", "职业教育科")),
    ("PSB", "江城市公安局", "公安局", ("治安管理支队", "交通警察支队")),
    ("CA", "江城市民政局", "民政局", ("社会救助科", "养老服务科")),
    ("JUS", "江城市司法局", "司法局", ("法治督察科", "公共法律服务科")),
    ("HRSS", "江城市人力资源和社会保障局", "人社局", ("就业促进科", "社会保险科")),
    ("NR", "江城市自然资源局", "自然资源局", ("国土空间规划科", "耕地保护科")),
    ("ENV", "江城市生态环境局", "生态环境局", ("大气环境科", "水生态环境科")),
    ("HUD", "江城市住房和城乡建设局", "住建局", ("建筑市场监管科", "城市建设科")),
    ("TRANS", "江城市交通运输局", "交通运输局", ("综合运输科", "公路管理科")),
    ("WATER", "江城市水利局", "水利局", ("水资源管理科", "河湖管理科")),
    ("AGRI", "江城市农业农村局", "农业农村局", ("乡村振兴科", "种植业管理科")),
    ("COM", "江城市商务局", "商务局", ("对外贸易科", "市场运行科")),
    ("CULT", "江城市文化广电旅游局", "文广旅局", ("文化产业科", "旅游市场管理科")),
    ("HEALTH", "江城市卫生健康委员会", "卫健委", ("医政医管科", "疾病预防控制科")),
    ("EM", "江城市应急管理局", "应急管理局", ("安全生产综合协调科", "救灾和物资保障科")),
    ("AUDIT", "江城市审计局", "审计局", ("财政审计科", "经济责任审计科")),
    ("SAMR", "江城市市场监督管理局", "市场监管局", ("食品安全协调科", "登记注册科")),
    ("STAT", "江城市统计局", "统计局", ("综合统计科",)),
    ("MI", "江城市医疗保障局", "医保局", ("待遇保障科", "医药服务管理科")),
    ("PETITION", "江城市信访局", "信访局", ("来访接待科", "网上信访科")),
    ("DATA", "江城市数据资源局", "数据资源局", ("数据资源科", "电子政务科")),
    ("VA", "江城市退役军人事务局", "退役军人局", ("移交安置科", "拥军优抚科")),
    ("FOREST", "江城市林业局", "林业局", ("森林资源管理科", "生态修复科")),
)

BIG_BUREAUS = 8

DISTRICTS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    # (code, name, short, towns/streets (code suffix, name))
    ("DH", "江城市东湖区", "东湖区", (("HB", "湖滨街道"), ("QS", "青山镇"))),
    ("XS", "江城市西山区", "西山区", (("XL", "西岭街道"),)),
)
DISTRICT_BUREAUS = (
    ("FIN", "财政局", ("预算股",)),
    ("EDU", "教育局", ("基础教育股",)),
    ("HUD", "住房和城乡建设局", ("建设管理股",)),
)


def organisation() -> list[UnitSpec]:
    """Every unit, parents before children."""
    units = [
        UnitSpec("JN", "江南省", "江南省", "province", "region", None),
        UnitSpec(
            "JN-GOV-OFFICE",
            "江南省人民政府办公厅",
            "省府办公厅",
            "province",
            "department",
            "JN",
            head="主任",
            deputy="副主任",
            leaders_dept="厅领导",
            sections=("秘书处",),
            office="秘书处",
            deputies=1,
        ),
        UnitSpec("JC", "江城市", "江城市", "city", "region", "JN"),
        UnitSpec(
            "JC-PARTY",
            "中共江城市委员会",
            "市委",
            "city",
            "party",
            "JC",
            head="书记",
            deputy="副书记",
            leaders_dept="市委领导",
            deputies=1,
            served_by="JC-PARTY-OFFICE",
        ),
        UnitSpec(
            "JC-PARTY-OFFICE",
            "中共江城市委办公室",
            "市委办",
            "city",
            "department",
            "JC-PARTY",
            head="主任",
            deputy="副主任",
            leaders_dept="办领导",
            sections=("秘书科", "综合科", "督查室"),
            office="秘书科",
        ),
        UnitSpec(
            "JC-GOV",
            "江城市人民政府",
            "市政府",
            "city",
            "government",
            "JC",
            head="市长",
            deputy="副市长",
            leaders_dept="市政府领导",
            deputies=3,
            served_by="JC-GOV-OFFICE",
        ),
        UnitSpec(
            "JC-GOV-OFFICE",
            "江城市人民政府办公室",
            "市府办",
            "city",
            "department",
            "JC-GOV",
            head="主任",
            deputy="副主任",
            leaders_dept="办领导",
            sections=("秘书科", "综合科", "督查科"),
            office="秘书科",
        ),
    ]
    for index, (suffix, name, short, sections) in enumerate(CITY_BUREAUS):
        committee = name.endswith("委员会")
        # The bigger bureaus (listed first) show two business sections.
        business = sections if index < BIG_BUREAUS else sections[:1]
        units.append(
            UnitSpec(
                f"JC-{suffix}",
                name,
                short,
                "city",
                "department",
                "JC-GOV",
                head="主任" if committee else "局长",
                deputy="副主任" if committee else "副局长",
                leaders_dept="委领导" if committee else "局领导",
                sections=("办公室", *business),
                deputies=1 + (index < BIG_BUREAUS),
            )
        )
    units += [
        UnitSpec(
            "JC-NPC",
            "江城市人民代表大会常务委员会",
            "市人大常委会",
            "city",
            "congress",
            "JC",
            head="主任",
            deputy="副主任",
            leaders_dept="常委会领导",
            sections=("办公室", "法制工作委员会"),
        ),
        UnitSpec(
            "JC-CPPCC",
            "中国人民政治协商会议江城市委员会",
            "市政协",
            "city",
            "cppcc",
            "JC",
            head="主席",
            deputy="副主席",
            leaders_dept="政协领导",
            sections=("办公室", "提案委员会"),
        ),
    ]
    for code, name, short, towns in DISTRICTS:
        region, government = f"JC-{code}", f"JC-{code}-GOV"
        units += [
            UnitSpec(region, name, short, "district", "region", "JC"),
            UnitSpec(
                government,
                f"{name}人民政府",
                f"{short}政府",
                "district",
                "government",
                region,
                head="区长",
                deputy="副区长",
                leaders_dept="区政府领导",
                deputies=1,
                served_by=f"{government}-OFFICE",
            ),
            UnitSpec(
                f"{government}-OFFICE",
                f"{name}人民政府办公室",
                f"{short}府办",
                "district",
                "department",
                government,
                head="主任",
                deputy="副主任",
                leaders_dept="办领导",
                sections=("秘书股", "综合股"),
                office="秘书股",
                deputies=1,
            ),
        ]
        for suffix, bureau, sections in DISTRICT_BUREAUS:
            units.append(
                UnitSpec(
                    f"{government}-{suffix}",
                    f"{name}{bureau}",
                    f"{short[:2]}{bureau[:2]}局",
                    "district",
                    "department",
                    government,
                    head="局长",
                    deputy="副局长",
                    leaders_dept="局领导",
                    sections=("办公室", *sections),
                    deputies=1,
                )
            )
        for suffix, town in towns:
            street = town.endswith("街道")
            units.append(
                UnitSpec(
                    f"{region}-{suffix}",
                    f"{name}{town}{'办事处' if street else '人民政府'}",
                    town,
                    "town",
                    "government",
                    region,
                    head="主任" if street else "镇长",
                    deputy="副主任" if street else "副镇长",
                    leaders_dept="领导班子",
                    sections=("党政综合办公室", "社会事务办公室"),
                    office="党政综合办公室",
                    deputies=1,
                )
            )
    return units


# --- the fixed demo logins ------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    """A fixed, memorable account; it takes the generated post with the same
    unit, department and title, or is added to that department."""

    mobile: str
    name: str
    unit: str  # unit code
    department: str
    title: str
    rank: int
    is_leader: bool
    roles: tuple[Role, ...]
    superuser: bool = False


DEMO_LOGINS = (
    DemoLogin(
        "13800000001",
        "周建国",
        "JC-GOV-OFFICE",
        "办领导",
        "主任",
        1,
        True,
        (Role.LEADER, Role.UNIT_ADMIN),
    ),
    DemoLogin(
        "13800000002",
        "李秀英",
        "JC-GOV-OFFICE",
        "秘书科",
        "文书",
        40,
        False,
        (Role.CLERK, Role.STAFF),
    ),
    DemoLogin("13800000003", "张晓明", "JC-GOV-OFFICE", "综合科", "科员", 50, False, (Role.STAFF,)),
    # 张晓明's department head: the first approver of his requests.
    DemoLogin("13800000007", "吴晓燕", "JC-GOV-OFFICE", "综合科", "科长", 10, True, (Role.STAFF,)),
    DemoLogin("13800000004", "陈志明", "JC-FIN", "局领导", "局长", 1, True, (Role.LEADER,)),
    DemoLogin("13800000005", "刘芳", "JC-FIN", "预算科", "科长", 10, True, (Role.STAFF,)),
    DemoLogin(
        "13800000006", "黄海波", "JC-DH-GOV-OFFICE", "办领导", "主任", 1, True, (Role.LEADER,)
    ),
    DemoLogin(
        "13800000000",
        "孙立平",
        "JC-DATA",
        "数据资源科",
        "科长",
        10,
        True,
        (Role.STAFF,),
        superuser=True,
    ),
)

# Ranks order people inside a department: lower first.
RANK = {
    "head": 1,
    "deputy": 2,
    "chief": 10,
    "vice_chief": 20,
    "clerk": 40,
    "member": 50,
    "aide": 60,
}


@dataclass
class Slot:
    """One post to fill: where, what title, which roles."""

    unit: Unit
    department: Department
    title: str
    rank: int
    is_leader: bool
    roles: tuple[Role, ...]


@dataclass
class Seeder:
    password_hash: str
    # Reproducible demo data, not security: a seeded PRNG is the point.
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))  # nosec B311
    used_names: set[str] = field(default_factory=set)
    used_mobiles: set[str] = field(default_factory=set)
    employee_seq: int = 0
    created_people: int = 0
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)  # by mobile
    leaders: dict[str, list[User]] = field(default_factory=dict)  # by unit code
    members: dict[str, list[User]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.used_names |= {d.name for d in DEMO_LOGINS}
        self.used_mobiles |= {d.mobile for d in DEMO_LOGINS}

    # deterministic generators

    def name(self) -> str:
        while True:
            surname = self.rng.choice(SURNAMES)
            given = self.rng.choice(GIVEN_MALE if self.rng.random() < 0.6 else GIVEN_FEMALE)
            if surname + given not in self.used_names:
                self.used_names.add(surname + given)
                return surname + given

    def mobile(self) -> str:
        while True:
            prefix = self.rng.choice(("139", "137", "135", "158", "186", "189", "133", "177"))
            number = f"{prefix}{self.rng.randrange(10**8):08d}"
            if number not in self.used_mobiles:
                self.used_mobiles.add(number)
                return number

    # the organisation

    def seed_units(self) -> None:
        specs = organisation()
        for order, spec in enumerate(specs):
            unit = Unit.objects.filter(code=spec.code).first() or directory.unit_create(
                code=spec.code,
                name=spec.name,
                short_name=spec.short,
                level=spec.level,
                kind=spec.kind,
                parent=self.units[spec.parent] if spec.parent else None,
                order=order,
            )
            self.units[spec.code] = unit
            if spec.head:
                self.seed_people(spec, unit)
        for spec in specs:
            if spec.served_by:
                office = RoleAssignment.objects.filter(
                    unit=self.units[spec.served_by], role__in=(Role.UNIT_ADMIN, Role.CLERK)
                ).select_related("user")
                for assignment in office:
                    directory.role_grant(
                        actor=None,
                        user=assignment.user,
                        unit=self.units[spec.code],
                        role=Role(assignment.role),
                    )

    def seed_people(self, spec: UnitSpec, unit: Unit) -> None:
        departments = {
            name: Department.objects.get_or_create(
                unit=unit, parent=None, name=name, defaults={"order": order}
            )[0]
            for order, name in enumerate((spec.leaders_dept, *spec.sections))
        }
        leader_roles = (Role.LEADER,)
        slots = [
            Slot(unit, departments[spec.leaders_dept], spec.head, RANK["head"], True, leader_roles)
        ]
        slots += [
            Slot(
                unit,
                departments[spec.leaders_dept],
                spec.deputy,
                RANK["deputy"],
                False,
                leader_roles,
            )
            for _ in range(spec.deputies)
        ]
        for section in spec.sections:
            department = departments[section]
            is_office = section == spec.office
            chief = _chief_title(section)
            slots.append(
                Slot(
                    unit,
                    department,
                    chief,
                    RANK["chief"],
                    True,
                    (Role.UNIT_ADMIN, Role.STAFF) if is_office else (Role.STAFF,),
                )
            )
            if self.rng.random() < 0.2:
                slots.append(
                    Slot(unit, department, f"副{chief}", RANK["vice_chief"], False, (Role.STAFF,))
                )
            if is_office:
                clerk = "文书" if self.rng.random() < 0.6 else "收发员"
                slots.append(
                    Slot(unit, department, clerk, RANK["clerk"], False, (Role.CLERK, Role.STAFF))
                )
            for _ in range(self.rng.choice((0, 1, 1))):
                slots.append(Slot(unit, department, "科员", RANK["member"], False, (Role.STAFF,)))
            if self.rng.random() < 0.1:
                slots.append(Slot(unit, department, "办事员", RANK["aide"], False, (Role.STAFF,)))
        logins = [d for d in DEMO_LOGINS if d.unit == spec.code]
        for slot in slots:
            # Draw the generated identity even when a fixed login takes the
            # post, so every later draw is the same whoever fills it.
            name, mobile = self.name(), self.mobile()
            login = next(
                (
                    d
                    for d in logins
                    if d.department == slot.department.name
                    and d.title == slot.title
                    and d.mobile not in self.people
                ),
                None,
            )
            if login is None:
                self.place(spec.code, slot, mobile, name)
            else:
                self.place_login(spec.code, login, departments[login.department])
        for login in logins:
            if login.mobile not in self.people:
                self.place_login(spec.code, login, departments[login.department])

    def place_login(self, unit_code: str, login: DemoLogin, department: Department) -> None:
        slot = Slot(
            department.unit,
            department,
            login.title,
            login.rank,
            login.is_leader,
            login.roles,
        )
        self.place(unit_code, slot, login.mobile, login.name, superuser=login.superuser)

    def place(
        self, unit_code: str, slot: Slot, mobile: str, name: str, *, superuser: bool = False
    ) -> None:
        self.employee_seq += 1
        person = User.objects.filter(mobile=mobile).first()
        if person is None:
            extra: dict[str, Any] = {"is_staff": True, "is_superuser": True} if superuser else {}
            person = directory.user_create(
                mobile=mobile,
                name=name,
                password=None,
                password_hash=self.password_hash,
                employee_no=f"JC{self.employee_seq:05d}",
                **extra,
            )
            self.created_people += 1
        directory.position_assign(
            user=person,
            department=slot.department,
            title=slot.title,
            rank=slot.rank,
            is_leader=slot.is_leader,
        )
        for role in slot.roles:
            directory.role_grant(actor=None, user=person, unit=slot.unit, role=role)
        self.people[mobile] = person
        bucket = self.leaders if Role.LEADER in slot.roles else self.members
        bucket.setdefault(unit_code, []).append(person)


def _chief_title(section: str) -> str:
    """The head of a section: 秘书科 → 科长, 督查室/办公室 → 主任, 秘书处 → 处长…"""
    for ending, title in (
        ("室", "主任"),
        ("委员会", "主任"),
        ("支队", "支队长"),
        ("处", "处长"),
        ("股", "股长"),
    ):
        if section.endswith(ending):
            return title
    return "科长"


# --- conversations ----------------------------------------------------------------------

DISPATCH_SCRIPT: tuple[tuple[str, str], ...] = (
    # (speaker: a demo mobile or "<unit code>" for that unit's head, text)
    ("13800000001", "各位好，本群用于全市重点项目调度，请各单位主要负责同志及联络员及时关注。"),
    ("13800000001", "请各单位于本周五下班前报送一季度重点项目进度表，模板已发至各单位邮箱。"),
    ("JC-NDRC", "收到。全市今年列入省市重点项目共86个，目前已开工61个，开工率70.9%。"),
    ("JC-FIN", "财政局收到。一季度专项债券资金已下达23.6亿元，请项目单位抓紧形成实物工作量。"),
    ("JC-NR", "自然资源局：城东片区3宗用地已完成组卷报批，预计下月取得批复。"),
    ("JC-HUD", "住建局收到，将同步梳理施工许可办理情况。"),
    ("13800000001", "请发改委牵头，周三上午召开一次调度会，地点市政府3号会议室。"),
    ("JC-NDRC", "好的，会议通知稍后发出。"),
    ("JC-TRANS", "交通局：江城大道东延段已完成路基工程的62%，雨季前可完成主体。"),
    ("JC-ENV", "生态环境局：环评审批方面，近期有5个项目在公示期，不影响开工节点。"),
    ("JC-WATER", "水利局：城南防洪堤加固工程已进场施工。"),
    ("JC-DH-GOV", "东湖区：湖滨片区旧改项目征迁签约率已达93%，剩余户正在逐户做工作。"),
    ("JC-XS-GOV", "西山区：产业园标准厂房二期本月底封顶。"),
    ("13800000004", "提醒各单位：资金支付进度与下半年预算安排挂钩，请重视。"),
    ("13800000001", "@陈志明 局长，麻烦把各单位资金支付进度排个表，周三会上通报。"),
    ("13800000004", "好的，周二下班前发到群里。"),
    ("JC-EM", "应急管理局：请各在建项目落实汛期安全生产措施，近期将开展联合检查。"),
    ("JC-DATA", "数据资源局：项目调度平台已上线，各单位可在工作台里直接填报。"),
    ("13800000003", "各单位联络员请注意，报表填报有疑问可以直接私信我。"),
    ("JC-AUDIT", "审计局：下月起将对部分政府投资项目开展跟踪审计，请提前准备资料。"),
    ("JC-HRSS", "人社局：重点项目农民工工资专户已全部开设。"),
    ("JC-NDRC", "调度会通知：周三上午9:00，市政府3号会议室，请各单位分管领导参加。"),
    ("13800000002", "会议材料请于周二17:00前发送至市府办秘书科，纸质版一式20份。"),
    ("JC-SAMR", "市场监管局收到。"),
    ("JC-AGRI", "农业农村局收到，高标准农田建设项目进度一并报送。"),
    ("JC-EDU", "教育局收到。城北九年一贯制学校主体已完工。"),
    ("JC-HEALTH", "卫健委收到。市第二人民医院新院区正在装修，计划年底试运行。"),
    ("JC-CULT", "文广旅局收到。"),
    ("JC-FOREST", "林业局：涉及林地的3个项目已完成使用林地审核。"),
    (
        "13800000004",
        "资金支付进度表已发到各位邮箱，总体支付率41.2%，低于序时进度的单位请说明原因。",
    ),
    ("13800000001", "谢谢财政局。请低于序时进度的单位周三会上重点发言。"),
    ("JC-DH-GOV", "东湖区收到，会前再核一遍数据。"),
    ("JC-NR", "补充：城东片区用地报批材料已上报省厅。"),
    ("JC-TRANS", "交通局收到。"),
    ("13800000005", "预算科补充：专项债项目支付情况请同步在平台填报，以便核对。"),
    ("JC-STAT", "统计局：一季度固定资产投资数据将于下周发布，请各单位做好入库工作。"),
    ("13800000006", "东湖区政府办收到，已转区领导。"),
    ("JC-NDRC", "会议纪要已整理，稍后以公文形式印发。"),
    ("13800000001", "好。各单位按纪要抓好落实，下周同一时间再调度一次。"),
    ("13800000003", "收到，周五前汇总各单位落实情况。"),
)

OFFICE_SCRIPT: tuple[tuple[str, str], ...] = (
    ("13800000001", "今天下午市长办公会的材料都准备好了吗？"),
    ("13800000002", "已准备好，议题材料共6份，已按顺序装订。"),
    ("13800000003", "会场已经确认，投影和话筒调试好了。"),
    ("13800000001", "好。会后请秘书科抓紧整理会议纪要。"),
    ("13800000002", "收到。另外省政府办公厅来文两件，已登记，稍后送您签批。"),
    ("13800000001", "放我桌上，下班前处理。"),
    ("13800000003", "督查科提醒：上周交办的3项督办事项明天到期。"),
    ("13800000001", "请督查科今天下午逐项电话催办一下。"),
)

DIRECT_SCRIPTS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "13800000001",
        "13800000002",
        (
            ("13800000002", "周主任，财政局关于调整预算的请示已到，需要您审核后报市长。"),
            ("13800000001", "好的，我看一下。有没有需要会签的单位？"),
            ("13800000002", "需要发改委会签，我先联系他们。"),
            ("13800000001", "可以，辛苦。"),
        ),
    ),
    (
        "13800000001",
        "13800000004",
        (
            ("13800000001", "陈局，下周市长要听取一季度财政收支情况汇报，请准备一下。"),
            ("13800000004", "好的周主任，材料周一上午报市府办。"),
            ("13800000001", "汇报控制在15分钟以内。"),
            ("13800000004", "明白。"),
        ),
    ),
    (
        "13800000003",
        "13800000002",
        (
            ("13800000003", "李姐，下午的会议签到表放哪了？"),
            ("13800000002", "在秘书科文件柜第二层，蓝色文件夹。"),
            ("13800000003", "找到了，谢谢！"),
        ),
    ),
    (
        "13800000004",
        "13800000005",
        (
            ("13800000004", "刘科长，各单位资金支付进度表今天能出来吗？"),
            ("13800000005", "下午四点前可以，正在和国库科核对数据。"),
            ("13800000004", "好，出来后先发我看。"),
        ),
    ),
    (
        "13800000001",
        "13800000006",
        (
            ("13800000006", "周主任，东湖区旧改项目的专题汇报材料已发您邮箱。"),
            ("13800000001", "收到，我周三前看完给你反馈。"),
        ),
    ),
)


def _speaker(seeder: Seeder, key: str) -> User:
    if key.startswith(("JC", "JN")):
        return seeder.leaders[key][0]
    return seeder.people[key]


def _send_script(
    seeder: Seeder, conversation: Conversation, key: str, script: tuple[tuple[str, str], ...]
) -> None:
    for index, (who, text) in enumerate(script, start=1):
        sender = _speaker(seeder, who)
        mentions = [
            p.pk for p in seeder.people.values() if f"@{p.name}" in text and p.pk != sender.pk
        ]
        messaging.message_send(
            actor=sender,
            conversation_id=conversation.pk,
            text=text,
            client_id=f"seed:{key}:{index}",
            mention_ids=mentions,
        )


def _group(seeder: Seeder, owner: User, name: str, members: list[User]) -> Conversation:
    existing = Conversation.objects.filter(
        kind=Conversation.Kind.GROUP, name=name, owner=owner, dissolved_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    return messaging.group_create(
        actor=owner, name=name, member_ids=[m.pk for m in members if m.pk != owner.pk]
    )


def seed_conversations(seeder: Seeder) -> None:
    owner = seeder.people["13800000001"]
    dispatch_members: dict[int, User] = {}
    for who, _ in DISPATCH_SCRIPT:
        person = _speaker(seeder, who)
        dispatch_members[person.pk] = person
    # Fill up to about thirty with the other city bureaus' heads.
    for suffix, *_ in CITY_BUREAUS:
        if len(dispatch_members) >= 30:
            break
        head = seeder.leaders[f"JC-{suffix}"][0]
        dispatch_members.setdefault(head.pk, head)
    dispatch = _group(seeder, owner, "全市项目调度群", list(dispatch_members.values()))
    _send_script(seeder, dispatch, "dispatch", DISPATCH_SCRIPT)

    office_people = seeder.leaders["JC-GOV-OFFICE"] + seeder.members["JC-GOV-OFFICE"]
    office = _group(seeder, owner, "市府办工作群", office_people)
    _send_script(seeder, office, "office", OFFICE_SCRIPT)

    for first, second, script in DIRECT_SCRIPTS:
        conversation = messaging.direct_conversation_get_or_create(
            actor=seeder.people[first], other_id=seeder.people[second].pk
        )
        _send_script(seeder, conversation, f"direct:{first}:{second}", script)


# --- the command ------------------------------------------------------------------------


class Command(BaseCommand):
    help = "创建演示组织(江城市)、约300名人员和若干会话；可重复执行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="已有任何单位时什么也不做(首次启动用)"
        )
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help=f"演示账号密码，默认 {DEMO_PASSWORD}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Unit.objects.exists():
            self.stdout.write("已有组织数据，跳过演示数据初始化。")
            return
        started = time.monotonic()
        password = options["password"]
        # One hash for everyone: argon2 is deliberately slow, 300 times is not.
        seeder = Seeder(password_hash=make_password(password))
        with transaction.atomic():
            seeder.seed_units()
        seed_conversations(seeder)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"演示数据就绪：{Unit.objects.count()} 个单位，{Department.objects.count()} 个部门,"
            f"{User.objects.count()} 名人员(本次新建 {seeder.created_people} 名),"
            f"用时 {elapsed:.1f} 秒。"
        )
        self.stdout.write(login_table(password))


def login_table(password: str) -> str:
    rows = [
        f"演示账号(密码均为 {password}):",
        "",
        "| 手机号 | 姓名 | 单位 | 职务 |",
        "|---|---|---|---|",
    ]
    names = {spec.code: spec.name for spec in organisation()}
    for login in sorted(DEMO_LOGINS, key=lambda d: d.mobile):
        title = f"{login.department} {login.title}"
        if login.superuser:
            title += "(系统管理员，可登录 /admin/)"
        rows.append(f"| {login.mobile} | {login.name} | {names[login.unit]} | {title} |")
    return "\n".join(rows)
