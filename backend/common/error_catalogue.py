"""Every error code a client can meet, in one place: code, HTTP status, Chinese message.

Codes are part of the contract (REST `{"error": {"code", "message"}}` and the
WebSocket `error` frame): never rename one. Raise them through the error
classes of `backend.common.errors`:

    raise InvalidInput.of(codes.INVALID_CHOSEN)
    raise TaskClosed.of(codes.NOT_RUNNING, "该审批已结束，无法撤回")

`message` is the default text; where a code's text names a value (a limit, a
person, a field) the call site passes the exact text and the catalogue shows
its pattern with `{…}`. docs/errors.md is generated from this module
(`python -m backend.common.error_catalogue > docs/errors.md`) and the OpenAPI
schema lists the codes (`mobile_api.schema_hooks`); tests keep both in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    """One catalogued error."""

    code: str
    status: int
    message: str
    area: str
    when: str = ""


_ALL: list[ErrorCode] = []


def _entry(code: str, status: int, message: str, area: str, when: str = "") -> ErrorCode:
    entry = ErrorCode(code, status, message, area, when)
    _ALL.append(entry)
    return entry


# --- generic (any endpoint or command) -----------------------------------------------
ERROR = _entry("error", 400, "操作失败", "通用", "a failure with no more specific code")
INVALID = _entry("invalid", 400, "输入有误", "通用", "bad input; `fields` names the fields")
NOT_FOUND = _entry("not_found", 404, "对象不存在或无权查看", "通用")
PERMISSION_DENIED = _entry("permission_denied", 403, "您没有权限执行此操作", "通用")
CONFLICT = _entry("conflict", 409, "状态已变化，请刷新后重试", "通用")
RATE_LIMITED = _entry("rate_limited", 429, "操作过于频繁，请稍后再试", "通用")
NOT_AUTHENTICATED = _entry("not_authenticated", 401, "请先登录", "通用", "no or expired login")
METHOD_NOT_ALLOWED = _entry("method_not_allowed", 405, "不支持的请求方法", "通用")
UNSUPPORTED_MEDIA_TYPE = _entry("unsupported_media_type", 415, "不支持的内容类型", "通用")
MALFORMED_REQUEST = _entry("malformed_request", 400, "请求格式错误", "通用", "unparsable body")
CSRF_FAILED = _entry("csrf_failed", 403, "页面已过期，请刷新后重试", "通用", "missing CSRF token")
INVALID_PARAM = _entry("invalid_param", 400, "参数 {name} 应为整数", "通用", "query parameter")
INVALID_FIELD = _entry(
    "invalid_field", 400, "字段 {name} 必须是整数", "通用", "a field's type or length is wrong"
)
OUT_OF_RANGE = _entry(
    "out_of_range",
    400,
    "数值超出范围",
    "通用",
    "an id or number beyond 64 bits (path, query, body)",
)
NUL_CHARACTER = _entry(
    "nul_character", 400, "输入中不能含有空字符", "通用", "a NUL in a query, body or frame"
)
TOO_DEEP = _entry(
    "too_deep", 400, "数据嵌套过深，最多{max}层", "通用", "JSON nested beyond ZT_JSON_MAX_DEPTH"
)
INTERNAL = _entry("internal", 500, "服务器内部错误", "WebSocket", "a server fault (logged)")

# --- WebSocket frames --------------------------------------------------------------
FRAME_TOO_LARGE = _entry("frame_too_large", 400, "消息帧过大", "WebSocket")
MALFORMED_JSON = _entry("malformed_json", 400, "消息格式错误，应为JSON", "WebSocket")
MALFORMED_FRAME = _entry(
    "malformed_frame", 400, "消息格式错误，应为JSON对象", "WebSocket", "or `id` is not a string"
)
UNKNOWN_TYPE = _entry("unknown_type", 400, "未知的指令类型", "WebSocket")
TICKET_INVALID = _entry("ticket_invalid", 403, "连接凭证无效或已过期", "WebSocket")

# --- login and people --------------------------------------------------------------
INVALID_CREDENTIALS = _entry("invalid_credentials", 400, "手机号或密码错误", "登录")
ACCOUNT_LOCKED = _entry("account_locked", 423, "账号已被临时锁定", "登录")
WRONG_PASSWORD = _entry("wrong_password", 400, "原密码不正确", "登录", "修改密码时原密码不对")
WEAK_PASSWORD = _entry(
    "weak_password",
    400,
    "新密码不符合要求：{原因}",
    "登录",
    "修改密码：不足8位、不足3类字符、常见密码或与最近5次相同",
)
PASSWORD_EXPIRED = _entry(
    "password_expired",
    403,
    "密码已过期，请先修改密码",
    "登录",
    "密码超过有效期（ZT_PASSWORD_MAX_AGE_DAYS）后，除修改密码、查看本人信息和退出外的请求",
)
DEVICE_NOT_FOUND = _entry(
    "device_not_found", 404, "该登录设备不存在或已退出", "登录", "退出一台已不在列表中的设备"
)
INVALID_MOBILE = _entry("invalid_mobile", 400, "请输入有效的11位中国大陆手机号", "通讯录")
INVALID_NAME = _entry("invalid_name", 400, "姓名不能为空", "通讯录")
MOBILE_TAKEN = _entry("mobile_taken", 400, "该手机号已注册", "通讯录")
UNIT_NOT_FOUND = _entry("unit_not_found", 404, "单位不存在", "通讯录")
DEPARTMENT_NOT_FOUND = _entry("department_not_found", 404, "部门不存在", "通讯录")
PERSON_NOT_FOUND = _entry("person_not_found", 404, "人员不存在", "通讯录")
AVATAR_NOT_FOUND = _entry("avatar_not_found", 404, "该人员未设置头像", "通讯录")
INVALID_QUERY = _entry("invalid_query", 400, "请输入1到{max}个字的搜索内容", "通讯录")
INVALID_UNIT = _entry("invalid_unit", 400, "单位信息有误", "通讯录", "`fields` names the fields")
UNIT_CODE_TAKEN = _entry("unit_code_taken", 400, "机构代码已存在", "通讯录")

# --- conversations and messages ---------------------------------------------------
NOT_A_MEMBER = _entry("not_a_member", 403, "您不是该会话成员", "消息")
CONVERSATION_NOT_FOUND = _entry("conversation_not_found", 404, "会话不存在", "消息")
MESSAGE_NOT_FOUND = _entry("message_not_found", 404, "消息不存在", "消息")
NOT_GROUP_ADMIN = _entry("not_group_admin", 403, "只有群主或管理员可以执行此操作", "消息")
NOT_GROUP_OWNER = _entry("not_group_owner", 403, "只有群主可以执行此操作", "消息")
INVALID_DIRECT = _entry("invalid_direct", 400, "单聊需要另一位有效的人员", "消息")
CONVERSATION_DISSOLVED = _entry("conversation_dissolved", 409, "该群聊已解散", "消息")
GROUP_FULL = _entry("group_full", 409, "群成员已达上限", "消息")
TEXT_TOO_LONG = _entry("text_too_long", 400, "消息过长，最多5000字", "消息")
EMPTY_MESSAGE = _entry("empty_message", 400, "消息内容不能为空", "消息")
RECALL_NOT_ALLOWED = _entry(
    "recall_not_allowed", 403, "只能撤回自己24小时内发送的消息", "消息", "or a system message"
)
SEND_RATE_LIMITED = _entry(
    "send_rate_limited",
    429,
    "发送过于频繁，请稍后再试",
    "消息",
    "more than ZT_SEND_RATE_PER_SECOND × ZT_SEND_RATE_WINDOW_SECONDS sends by one person"
    " in a window, over REST and sockets together",
)
CLIENT_ID_REUSED = _entry("client_id_reused", 409, "消息编号已用于其他会话", "消息")
INVALID_CLIENT_ID = _entry("invalid_client_id", 400, "client_id 过长", "消息")
INVALID_MENTION = _entry("invalid_mention", 400, "只能@本会话的成员", "消息")
PEER_IS_BOT = _entry("peer_is_bot", 400, "系统通知无需回复", "消息")
INVALID_USER = _entry("invalid_user", 400, "包含无效的人员", "消息")
GROUP_NEEDS_MEMBERS = _entry("group_needs_members", 400, "请至少选择一位群成员", "消息")
SYSTEM_ACCOUNT_NOT_MEMBER = _entry(
    "system_account_not_member",
    400,
    "系统账号（如审批助手）不能加入群聊",
    "消息",
    "a chosen member is a system account (is_bot: 审批助手、公文助手、督办助手)",
)
INVALID_GROUP_NAME = _entry("invalid_group_name", 400, "群名称不能为空", "消息", "or too long")
NOT_A_GROUP = _entry("not_a_group", 400, "单聊不支持此操作", "消息")
CANNOT_REMOVE_SELF = _entry("cannot_remove_self", 400, "不能移除自己，请使用退出群聊", "消息")
NOT_IN_GROUP = _entry("not_in_group", 400, "该人员不在群中", "消息")
OWNER_MUST_TRANSFER = _entry("owner_must_transfer", 400, "群主请先转让群主再退出", "消息")
UNKNOWN_CARD_TYPE = _entry("unknown_card_type", 400, "未知的卡片类型", "卡片")
NOT_A_CARD = _entry("not_a_card", 400, "该消息不是可操作的卡片", "卡片")
UNKNOWN_CARD_ACTION = _entry(
    "unknown_card_action", 400, "卡片上不能执行此操作，请在详情页处理", "卡片"
)

# --- attachments -------------------------------------------------------------------
ATTACHMENT_REJECTED = _entry("attachment_rejected", 400, "不支持的文件类型", "附件")
ATTACHMENT_TOO_LARGE = _entry("attachment_too_large", 400, "文件过大", "附件")
ATTACHMENT_NOT_FOUND = _entry("attachment_not_found", 404, "附件不存在或无权访问", "附件")
NO_FILE = _entry("no_file", 400, "请选择要上传的文件", "附件")
NO_THUMBNAIL = _entry("no_thumbnail", 400, "只有图片有缩略图", "附件")
IMAGE_TOO_LARGE = _entry(
    "image_too_large",
    400,
    "图片尺寸过大（{width}×{height}），最多{max}百万像素",
    "附件",
    "pixels over ZT_IMAGE_MAX_PIXELS, or an animation's frames × pixels over"
    " ZT_IMAGE_MAX_TOTAL_PIXELS (checked from the header, before decoding)",
)
IMAGE_CORRUPT = _entry("image_corrupt", 400, "图片已损坏或不完整", "附件", "truncated or corrupt")

# --- approvals and the flow engine ---------------------------------------------------
TEMPLATE_NOT_FOUND = _entry("template_not_found", 404, "审批模板不存在或已停用", "审批")
APPROVAL_NOT_FOUND = _entry("approval_not_found", 404, "审批不存在或无权查看", "审批")
INSTANCE_NOT_FOUND = _entry("instance_not_found", 404, "流程不存在", "审批")
ROOM_TAKEN = _entry("room_taken", 409, "该时段会议室已被预约", "审批")
ROOM_TIME_PAST = _entry(
    "room_time_past",
    400,
    "会议开始时间已过，请选择现在之后的时段",
    "审批",
    "a meeting-room booking starts before now (wholly or partly in the past)",
)
INVALID_TEMPLATE = _entry("invalid_template", 400, "模板名称应为1至20字", "审批")
INVALID_CHOSEN = _entry("invalid_chosen", 400, "审批人选择格式错误", "审批")
INVALID_POST_TO = _entry("invalid_post_to", 400, "只能发到您所在的群聊", "审批")
INVALID_BOX = _entry("invalid_box", 400, "列表类型无效", "审批")
INVALID_STATUS = _entry("invalid_status", 400, "状态无效", "审批")
NOT_UNIT_ADMIN = _entry("not_unit_admin", 403, "只有单位管理员可以管理审批模板", "审批")
FLOW_MISSING = _entry("flow_missing", 409, "审批流程尚未启动", "审批")
INVALID_SCHEMA = _entry("invalid_schema", 400, "表单设计有误：{problem}", "审批")
INVALID_FORM = _entry("invalid_form", 400, "表单填写有误", "审批", "`fields` names the fields")
INVALID_FLOW = _entry("invalid_flow", 400, "流程设置有误", "审批")
NO_POSITION = _entry("no_position", 400, "您尚未加入任何部门，无法发起流程", "审批")
NO_ASSIGNEE = _entry("no_assignee", 400, "未找到审批人", "审批")
CHOSEN_REQUIRED = _entry("chosen_required", 400, "请选择「{step}」的审批人", "审批")
NEXT_ASSIGNEES_REQUIRED = _entry("next_assignees_required", 400, "请选择「{step}」的办理人", "审批")
TASK_CLOSED = _entry(
    "task_closed", 409, "该审批已由他人处理", "审批", "someone else acted, or the flow moved on"
)
NOT_YOUR_TURN = _entry("not_your_turn", 409, "还未轮到您处理", "审批")
NOT_HANDLER = _entry("not_handler", 403, "您不是当前审批人", "审批")
NOT_RUNNING = _entry("not_running", 409, "该审批不在审批中，无需催办", "审批")
UNKNOWN_ACTION = _entry("unknown_action", 400, "不支持的操作", "审批")
OPINION_TOO_LONG = _entry("opinion_too_long", 400, "意见不能超过{max}字", "审批")
OPINION_REQUIRED = _entry("opinion_required", 400, "请填写{label}", "审批")
INVALID_RETURN_TARGET = _entry("invalid_return_target", 400, "只能退回到之前的审批步骤", "审批")
USER_REQUIRED = _entry("user_required", 400, "请选择{verb}人员", "审批")
USER_NOT_FOUND = _entry("user_not_found", 400, "人员不存在", "审批")
USER_IS_SELF = _entry("user_is_self", 400, "不能{verb}给自己", "审批")
USER_ALREADY_ASSIGNED = _entry("user_already_assigned", 400, "{name}已在本步骤办理中", "审批")
INVALID_POSITION = _entry("invalid_position", 400, "请选择在本人之前还是之后加签", "审批")
NOT_PARTICIPANT = _entry("not_participant", 403, "只有发起人、审批人和抄送人可以评论", "审批")
NOT_INITIATOR = _entry("not_initiator", 403, "只有发起人可以{verb}", "审批")
URGE_TOO_OFTEN = _entry("urge_too_often", 429, "5分钟内只能催办一次", "审批")
URGE_TOO_EARLY = _entry(
    "urge_too_early",
    429,
    "刚提交的申请暂不能催办，请稍后再试",
    "审批",
    "sooner than ZT_APPROVAL_URGE_AFTER_MINUTES after submission; the message names the minutes",
)
INVALID_DEADLINE = _entry("invalid_deadline", 400, "办理时限应晚于当前时间", "审批")
TASK_NOT_FOUND = _entry("task_not_found", 404, "该审批中没有这一事项", "审批")
WITHDRAW_TOO_LATE = _entry("withdraw_too_late", 409, "已有审批人处理，无法撤回", "审批")
NOT_RETURNED = _entry("not_returned", 409, "只有被退回的申请可以重新提交", "审批")
INVALID_OPINION = _entry("invalid_opinion", 400, "常用意见应为1至200字", "审批")
TOO_MANY_OPINIONS = _entry("too_many_opinions", 400, "常用意见最多保存{max}条", "审批")
OPINION_NOT_FOUND = _entry("opinion_not_found", 404, "常用意见不存在", "审批")

# --- 公文 (documents) -------------------------------------------------------------------
DOCUMENT_NOT_FOUND = _entry("document_not_found", 404, "公文不存在或无权查看", "公文")
RECEIPT_NOT_FOUND = _entry("receipt_not_found", 404, "收文不存在或无权查看", "公文")
CLASSIFIED_REFUSED = _entry(
    "classified_refused",
    400,
    "本平台仅处理非涉密公文，不能提交标有秘密、机密或绝密的公文",
    "公文",
    "a 秘密/机密/绝密 mark in the form, the title, the 正文 or an uploaded file",
)
INVALID_DOCUMENT = _entry(
    "invalid_document", 400, "公文填写有误", "公文", "`fields` names the fields"
)
REQUEST_ONE_MAIN = _entry("request_one_main", 400, "请示只能有一个主送机关", "公文")
UNKNOWN_UNIT = _entry("unknown_unit", 400, "主送或抄送单位不存在", "公文")
COUNTERSIGN_NO_HEAD = _entry(
    "countersign_no_head",
    400,
    "「{name}」没有负责人，不能会签",
    "公文",
    "a 会签 department without an active head, or a unit without an active leader",
)
DOC_NUMBER_TAKEN = _entry("doc_number_taken", 409, "发文字号{number}已被使用", "公文")
FILE_TYPE_MISMATCH = _entry(
    "file_type_mismatch", 400, "文件内容与扩展名不符", "公文", "content sniffed ≠ extension"
)
DOCUMENT_FILE_TYPE = _entry(
    "document_file_type", 400, "正文文件只能是 .docx、.pdf、.ofd 或 .wps", "公文"
)
DOCUMENT_FILE_TOO_LARGE = _entry("document_file_too_large", 400, "文件过大，最大{max}MB", "公文")
INVALID_HANDWRITING = _entry("invalid_handwriting", 400, "手写签批应为不超过{max}的PNG图片", "公文")
NOT_DOCUMENT_CLERK = _entry(
    "not_document_clerk", 403, "只有本单位的收发员可以签收、退回或登记收文", "公文"
)
RECEIPT_STATE = _entry("receipt_state", 409, "该收文{state}，不能再{verb}", "公文")
WITHDRAW_AFTER_SIGN = _entry("withdraw_after_sign", 409, "公文已签发，不能撤回", "公文")
NOT_DRAFTER = _entry("not_drafter", 403, "只有拟稿人可以{verb}", "公文")
INVALID_DEPARTMENTS = _entry("invalid_departments", 400, "请选择本单位的承办部门", "公文")
PASS_ON_OUTSIDE = _entry("pass_on_outside", 400, "只能转给本部门的人员办理", "公文")
NOT_REDISTRIBUTABLE = _entry("not_redistributable", 409, "只有被退回的收文可以重新分发", "公文")
NOT_ARCHIVABLE = _entry("not_archivable", 409, "只有已分发的公文可以归档", "公文")
NOT_DOCUMENT_ADMIN = _entry("not_document_admin", 403, "只有单位管理员可以设置公文流程", "公文")
MISSING_FLOW_STEP = _entry(
    "missing_flow_step", 400, "发文流程必须保留「{step}」步骤", "公文", "签发, 登记, 分发 by id"
)
INVALID_REGISTRATION = _entry("invalid_registration", 400, "收文登记填写有误", "公文")

# --- notifications (web push, SMS) ---------------------------------------------------
INVALID_SUBSCRIPTION = _entry("invalid_subscription", 400, "推送订阅无效", "通知")
INVALID_ENDPOINT = _entry("invalid_endpoint", 400, "推送地址格式不正确", "通知")
ENDPOINT_NOT_HTTPS = _entry("endpoint_not_https", 400, "推送地址必须使用 HTTPS", "通知")
INVALID_P256DH = _entry(
    "invalid_p256dh", 400, "设备公钥(p256dh)无效", "通知", "or not 65 bytes (the text says which)"
)
INVALID_AUTH = _entry("invalid_auth", 400, "认证密钥(auth)长度应为16字节", "通知")
UNKNOWN_SETTING = _entry("unknown_setting", 400, "未知的设置项: {names}", "通知")
SUBSCRIPTION_NOT_FOUND = _entry("subscription_not_found", 404, "该设备未开启推送", "通知")
URGENT_NOT_SENDER = _entry("urgent_not_sender", 403, "只有发送人可以加急或查看加急情况", "通知")
URGENT_NOT_ALLOWED = _entry(
    "urgent_not_allowed", 400, "该消息不能加急", "通知", "a system or recalled message"
)
INVALID_URGENT_CHANNEL = _entry(
    "invalid_urgent_channel", 400, "加急方式无效，可选：app、sms、ring", "通知"
)
NOT_URGENT = _entry("not_urgent", 404, "该消息没有加急", "通知")
NOT_DELIVERY_ADMIN = _entry(
    "not_delivery_admin", 403, "只有单位管理员可以查看本单位的投递记录", "通知"
)
PERSON_NOT_IN_UNIT = _entry("person_not_in_unit", 403, "该人员不在您管理的单位", "通知")
REMIND_TOO_OFTEN = _entry("remind_too_often", 429, "再次提醒过于频繁，请稍后再试", "通知")

# --- 三员分立 and the audit log ---------------------------------------------------------
DUTY_REQUIRED = _entry(
    "duty_required", 403, "需要{duty}权限", "三员分立", "the action belongs to another duty"
)
DUTY_CONFLICT = _entry(
    "duty_conflict",
    409,
    "同一账号不能兼任系统管理员、安全管理员和审计管理员中的两个",
    "三员分立",
    "the person already holds another duty, or is a superuser",
)
DUTY_SELF = _entry("duty_self", 400, "不能给自己授予或撤销管理职责", "三员分立")
ROLE_SELF = _entry("role_self", 400, "不能给自己授予角色", "三员分立")
INVALID_AUDIT_QUERY = _entry(
    "invalid_audit_query", 400, "审计查询条件有误", "三员分立", "the text says which"
)

# --- 两步验证 (two-factor login) ----------------------------------------------------------
TWO_FACTOR_CHALLENGE_INVALID = _entry(
    "two_factor_challenge_invalid",
    400,
    "登录验证已过期，请重新输入密码",
    "两步验证",
    "the challenge is unknown, expired, used, or out of attempts",
)
TWO_FACTOR_CODE_INVALID = _entry(
    "two_factor_code_invalid",
    400,
    "验证码错误或已过期",
    "两步验证",
    "wrong, expired or reused code",
)
TWO_FACTOR_METHOD_UNAVAILABLE = _entry(
    "two_factor_method_unavailable",
    400,
    "该验证方式不可用",
    "两步验证",
    "a method not in the challenge's `methods` (or enrolment still to do)",
)
TWO_FACTOR_NOT_STARTED = _entry(
    "two_factor_not_started",
    409,
    "请先获取二维码或短信验证码",
    "两步验证",
    "confirming an enrolment that was not started",
)
TWO_FACTOR_ALREADY_ON = _entry(
    "two_factor_already_on", 409, "已开启两步验证", "两步验证", "setting up while already enrolled"
)
TWO_FACTOR_POLICY = _entry(
    "two_factor_policy",
    403,
    "按安全策略，您必须开启两步验证，不能关闭",
    "两步验证",
    "an administrator, or a unit that requires it",
)
SMS_CODE_TOO_SOON = _entry(
    "sms_code_too_soon", 429, "验证码已发送，请{seconds}秒后再试", "两步验证"
)
SMS_CODE_LIMIT = _entry(
    "sms_code_limit",
    429,
    "短信验证码发送次数过多，请稍后再试",
    "两步验证",
    "per login and per person per hour",
)
NOT_UNIT_ADMIN_OF = _entry(
    "not_unit_admin_of", 403, "只有该单位的单位管理员可以操作", "两步验证", "unit policy and resets"
)

# --- 督办 (supervision) -------------------------------------------------------------
SUPERVISION_NOT_FOUND = _entry("supervision_not_found", 404, "督办事项不存在或无权查看", "督办")
NOT_SUPERVISOR_ROLE = _entry(
    "not_supervisor_role", 403, "只有督查人员或领导可以创建督办事项", "督办"
)
INVALID_SUPERVISION = _entry(
    "invalid_supervision", 400, "督办事项填写有误", "督办", "`fields` names each problem"
)
DEADLINE_AFTER_PARENT = _entry(
    "deadline_after_parent",
    400,
    "截止日期不能晚于上级任务的截止日期（{date}）",
    "督办",
    "a sub-task's deadline or milestone after its parent's deadline",
)
INVALID_CYCLE = _entry("invalid_cycle", 400, "反馈周期不能短于1天", "督办", "custom cycle < 1 day")
NOT_TASK_OWNER = _entry(
    "not_task_owner", 403, "只有该任务的责任人可以{verb}", "督办", "split, report, apply"
)
TASK_FINISHED = _entry("task_finished", 409, "该督办事项已办结", "督办")
PERCENT_NEEDS_FINISH = _entry(
    "percent_needs_finish", 400, "进度达到100%请申请办结", "督办", "a report of 100 %"
)
SUBTASKS_OPEN = _entry("subtasks_open", 409, "还有{count}项子任务未办结，不能申请办结", "督办")
APPLICATION_PENDING = _entry("application_pending", 409, "已有待审核的申请，请等待审核结果", "督办")
NO_PENDING_APPLICATION = _entry("no_pending_application", 409, "没有待审核的申请", "督办")
NOT_ABOVE_OWNER = _entry("not_above_owner", 403, "只有督办人或责任人的上级可以催办", "督办")
URGED_RECENTLY = _entry(
    "urged_recently",
    429,
    "该事项{minutes}分钟内已催办过，请稍后再催办",
    "督办",
    "a 催办 within ZT_SUPERVISION_URGE_INTERVAL_MINUTES of the last one on the task",
)
OWNER_NOT_BELOW = _entry(
    "owner_not_below",
    403,
    "只能分解给本单位、本部门及下级单位的人员",
    "督办",
    "a split to someone who is not below the splitter; the text says who may be chosen",
)
INVALID_EXTENSION = _entry(
    "invalid_extension", 400, "延期后的截止日期应晚于当前截止日期（{date}）", "督办"
)

# --- calls: media servers (backend/calls/media) ----------------------------------------
SFU_UNAVAILABLE = _entry(
    "sfu_unavailable",
    503,
    "会议媒体服务器暂时不可用，请稍后再试",
    "通话",
    "Janus (the SFU) did not answer or refused the server's request",
)

# --- 音视频通话 (calls; docs/calls.md) --------------------------------------------------------
CALL_NOT_FOUND = _entry("call_not_found", 404, "通话不存在或已结束", "通话")
CALL_IN_PROGRESS = _entry(
    "call_in_progress",
    409,
    "该会话已有进行中的通话，请直接加入",
    "通话",
    "the conversation already has a ringing or ongoing call",
)
CALL_ENDED = _entry("call_ended", 409, "通话已结束", "通话")
CALL_FULL = _entry(
    "call_full",
    409,
    "通话人数已满（最多{max}人）",
    "通话",
    "a join above mesh_limit without a media server, or above ZT_CALL_MAX_PARTICIPANTS",
)
CALL_TOO_LARGE = _entry(
    "call_too_large",
    400,
    "超过{max}人的会议需要媒体服务器",
    "通话",
    "more invitees than ZT_CALL_MAX_PARTICIPANTS, or above mesh_limit with no SFU",
)
INVALID_INVITEE = _entry("invalid_invitee", 400, "只能邀请本会话的成员", "通话")
NOT_CALL_HOST = _entry("not_call_host", 403, "只有发起人可以执行此操作", "通话")
NOT_IN_CALL = _entry(
    "not_in_call", 403, "您未加入该通话", "通话", "this socket holds no joined peer of the call"
)
PEER_NOT_FOUND = _entry(
    "peer_not_found", 404, "对方已不在通话中", "通话", "`to` names no joined peer of the call"
)
NOT_RINGING = _entry("not_ringing", 409, "该通话没有在呼叫您", "通话", "decline when not rung")
REMOVED_FROM_CALL = _entry(
    "removed_from_call", 403, "您已被移出该通话", "通话", "the host removed this person"
)
CALL_PARTICIPANT_NOT_FOUND = _entry("call_participant_not_found", 404, "该人员不在通话中", "通话")

CATALOGUE: dict[str, ErrorCode] = {entry.code: entry for entry in _ALL}
if len(CATALOGUE) != len(_ALL):
    raise RuntimeError("an error code is catalogued twice")


def markdown() -> str:
    """docs/errors.md, generated: one table row per code."""
    lines = [
        "# 政通 error codes",
        "",
        "Generated from `backend/common/error_catalogue.py` by",
        "`python -m backend.common.error_catalogue > docs/errors.md` — do not edit by hand.",
        "",
        'Every error reaches a client as `{"error": {"code", "message", "fields"?}}` (REST,',
        'with the HTTP status below) or `{"type": "error", "id", "code", "message"}`',
        "(WebSocket, see docs/protocol.md). `message` is Chinese and meant to be shown;",
        "`{…}` stands for a value the server fills in.",
        "",
        "| code | HTTP | area | message | when |",
        "|---|---|---|---|---|",
    ]
    for entry in _ALL:
        lines.append(
            f"| `{entry.code}` | {entry.status} | {entry.area} | {entry.message} | {entry.when} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
