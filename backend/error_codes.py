"""The stable error codes and their messages in Chinese and English.

Kept apart from ``backend/errors.py`` (the exception classes and the one renderer) because the
catalogue grows with every feature: each code is a contract with clients, each message is what a
person reads. ``backend.errors`` re-exports all three names; import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from backend.i18n import Language


class ErrorCode(StrEnum):
    """Stable machine codes: clients depend on these, so never rename one."""

    BAD_REQUEST = "BAD_REQUEST"
    MALFORMED_JSON = "MALFORMED_JSON"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    AUTH_REQUIRED = "AUTH_REQUIRED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    CONFLICT = "CONFLICT"
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    PRECONDITION_REQUIRED = "PRECONDITION_REQUIRED"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    PWA_NOT_BUILT = "PWA_NOT_BUILT"
    # Field work (issue 3): offline sync, evidence, review.
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    EVIDENCE_HASH_MISMATCH = "EVIDENCE_HASH_MISMATCH"
    UNSUPPORTED_FILE_TYPE = "UNSUPPORTED_FILE_TYPE"
    INVALID_IMAGE = "INVALID_IMAGE"
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    IMAGE_DECODER_BUSY = "IMAGE_DECODER_BUSY"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT_OF_INTEREST = "CONFLICT_OF_INTEREST"
    CSRF_FAILED = "CSRF_FAILED"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    SIGN_IN_THROTTLED = "SIGN_IN_THROTTLED"
    DEVICE_REVOKED = "DEVICE_REVOKED"
    SCHEME_INVALID = "SCHEME_INVALID"
    # The offline outbox's own cases (issue 9): the app decides from these codes alone.
    INCOMPLETE_BODY = "INCOMPLETE_BODY"
    ASSIGNMENT_ALREADY_RECORDED = "ASSIGNMENT_ALREADY_RECORDED"
    MISSING_EVIDENCE = "MISSING_EVIDENCE"
    # Customer surveys (issue 5).
    SURVEY_NOT_OPEN = "SURVEY_NOT_OPEN"
    SURVEY_CLOSED = "SURVEY_CLOSED"
    ALREADY_ANSWERED = "ALREADY_ANSWERED"
    ONE_TIME_CODE_INVALID = "ONE_TIME_CODE_INVALID"
    CONTACT_UNREADABLE = "CONTACT_UNREADABLE"
    # Review, decision and certificates (issue 12, CQC rule §6, §9).
    FILE_INCOMPLETE = "FILE_INCOMPLETE"
    CHECKLIST_INCOMPLETE = "CHECKLIST_INCOMPLETE"
    REVIEW_REQUIRED = "REVIEW_REQUIRED"
    ALREADY_DECIDED = "ALREADY_DECIDED"
    DECISION_NOT_SUPPORTED = "DECISION_NOT_SUPPORTED"
    NOT_APPROVED = "NOT_APPROVED"
    CERTIFICATE_EXISTS = "CERTIFICATE_EXISTS"
    # Nonconformities (issue 12, CQC rule §5.2.3.1, §7.4 b): stages that need their content.
    NONCONFORMITY_STAGE = "NONCONFORMITY_STAGE"
    NONCONFORMITY_ANSWER_INCOMPLETE = "NONCONFORMITY_ANSWER_INCOMPLETE"
    NONCONFORMITY_VERIFICATION_INCOMPLETE = "NONCONFORMITY_VERIFICATION_INCOMPLETE"
    NONCONFORMITY_REJUDGEMENT_ABOVE_CAP = "NONCONFORMITY_REJUDGEMENT_ABOVE_CAP"
    EXPORT_INCOMPLETE = "EXPORT_INCOMPLETE"
    RECERTIFICATION_WINDOW = "RECERTIFICATION_WINDOW"
    CERTIFICATE_ENDED = "CERTIFICATE_ENDED"


@dataclass(frozen=True, slots=True)
class Message:
    zh_cn: str
    en: str

    def in_language(self, language: Language) -> str:
        return self.en if language is Language.EN else self.zh_cn


#: The message catalogue, keyed by code: zh-CN first, English for Accept-Language: en.
MESSAGES: Mapping[ErrorCode, Message] = {
    ErrorCode.BAD_REQUEST: Message("请求无效。", "The request is invalid."),
    ErrorCode.MALFORMED_JSON: Message(
        "请求体必须是有效的 JSON（Content-Type: application/json）。",
        "The request body must be valid JSON (Content-Type: application/json).",
    ),
    ErrorCode.VALIDATION_ERROR: Message(
        "提交的数据未通过校验。", "The submitted data did not pass validation."
    ),
    ErrorCode.AUTH_REQUIRED: Message("请先登录。", "Please sign in first."),
    ErrorCode.INVALID_CREDENTIALS: Message(
        "邮箱或密码不正确。", "The email address or password is incorrect."
    ),
    ErrorCode.FORBIDDEN: Message("您无权执行此操作。", "You are not allowed to do this."),
    ErrorCode.NOT_FOUND: Message("未找到请求的资源。", "The requested resource was not found."),
    ErrorCode.METHOD_NOT_ALLOWED: Message(
        "此地址不支持该请求方法。", "This method is not allowed for this address."
    ),
    ErrorCode.NOT_ACCEPTABLE: Message(
        "无法以请求的格式返回结果。", "The result cannot be returned in the requested format."
    ),
    ErrorCode.CONFLICT: Message(
        "请求与服务器上的当前数据冲突。", "The request conflicts with the data on the server."
    ),
    ErrorCode.PRECONDITION_FAILED: Message(
        "数据已被他人修改，请刷新后重试。",
        "The data was changed by someone else; reload and try again.",
    ),
    ErrorCode.PAYLOAD_TOO_LARGE: Message("请求体过大。", "The request body is too large."),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: Message(
        "不支持该内容类型。", "This content type is not supported."
    ),
    ErrorCode.PRECONDITION_REQUIRED: Message(
        "此请求必须带 If-Match 请求头。", "This request must carry an If-Match header."
    ),
    ErrorCode.TOO_MANY_REQUESTS: Message(
        "请求过于频繁，请稍后再试。", "Too many requests; try again later."
    ),
    ErrorCode.INTERNAL_ERROR: Message(
        "服务器内部错误，请稍后再试。", "Internal server error; try again later."
    ),
    ErrorCode.SERVICE_UNAVAILABLE: Message(
        "服务暂时不可用，请稍后再试。", "The service is unavailable; try again later."
    ),
    ErrorCode.DATABASE_UNAVAILABLE: Message("数据库暂时不可用。", "The database is unavailable."),
    ErrorCode.PWA_NOT_BUILT: Message(
        "前端应用尚未构建：请在项目根目录运行 make pwa。",
        "The PWA has not been built: run `make pwa` in the project root.",
    ),
    ErrorCode.IDEMPOTENCY_CONFLICT: Message(
        "该编号已用于内容不同的记录：同一记录重发时内容必须相同。",
        "This id was already used for different content: a replay must carry the same content.",
    ),
    ErrorCode.EVIDENCE_HASH_MISMATCH: Message(
        "文件内容与声明的 SHA-256 不一致，文件可能在传输中损坏，请重新上传。",
        "The file does not match its declared SHA-256; it may have been damaged in transit.",
    ),
    ErrorCode.UNSUPPORTED_FILE_TYPE: Message(
        "不支持该文件类型（按内容识别）。", "This file type is not supported (detected by content)."
    ),
    ErrorCode.INVALID_IMAGE: Message(
        "图片无法读取：文件不完整或已损坏。", "The image cannot be read: truncated or damaged."
    ),
    ErrorCode.IMAGE_TOO_LARGE: Message(
        "图片过大（像素数或解码所需内存超出限制），拒绝处理。",
        "The image is too large to process (too many pixels, or too much memory to decode).",
    ),
    ErrorCode.IMAGE_DECODER_BUSY: Message(
        "服务器正在处理其他图片，请稍后自动重试。",
        "The server is busy processing other images; the upload will be retried.",
    ),
    ErrorCode.INVALID_TRANSITION: Message(
        "当前状态下不能执行此操作。", "This action is not possible in the current state."
    ),
    ErrorCode.CONFLICT_OF_INTEREST: Message(
        "参加过本次审查的人员不得复核或作出认证决定。",
        "Someone who was on this audit team may not review or decide it.",
    ),
    ErrorCode.CSRF_FAILED: Message(
        "缺少或无效的 CSRF 令牌，请刷新页面后重试。",
        "Missing or invalid CSRF token; reload the page and try again.",
    ),
    ErrorCode.ACCOUNT_LOCKED: Message(
        "登录失败次数过多，账号暂时锁定，请稍后再试。",
        "Too many failed sign-ins: the account is locked for a while.",
    ),
    ErrorCode.SIGN_IN_THROTTLED: Message(
        "此账号近期有大量来自其他地址的登录失败，为保护账号，登录已放慢，请稍后再试。"
        "如非本人操作，请联系管理员。",
        "This account has had many failed sign-ins from other addresses lately; to protect it, "
        "sign-in is slowed down. Try again shortly, and tell an administrator if this was not you.",
    ),
    ErrorCode.DEVICE_REVOKED: Message(
        "该设备的授权已撤销，请重新配对。", "This device's access was revoked; pair it again."
    ),
    ErrorCode.SCHEME_INVALID: Message("认证方案文件无效。", "The scheme file is invalid."),
    ErrorCode.INCOMPLETE_BODY: Message(
        "上传中断：服务器收到的内容少于声明的长度，请用同一编号重新上传。",
        "The upload was cut off before its announced length; send it again under the same id.",
    ),
    ErrorCode.ASSIGNMENT_ALREADY_RECORDED: Message(
        "这项走访任务已有一条测评记录（可能来自另一台手机）。",
        "This assignment is already recorded by another evaluation (perhaps from another phone).",
    ),
    ErrorCode.MISSING_EVIDENCE: Message(
        "测评引用的照片或文件尚未上传：请先上传，再提交测评。",
        "The evaluation cites evidence that has not been uploaded: upload it first.",
    ),
    ErrorCode.SURVEY_NOT_OPEN: Message("本次调查尚未开始。", "This survey has not opened yet."),
    ErrorCode.SURVEY_CLOSED: Message(
        "本次调查已结束，不再接受答卷。", "This survey has closed and takes no more answers."
    ),
    ErrorCode.ALREADY_ANSWERED: Message(
        "此设备已提交过本次调查的答卷，每台设备只能提交一次。",
        "This device already answered this survey; each device answers once.",
    ),
    ErrorCode.ONE_TIME_CODE_INVALID: Message(
        "调查码无效或已被使用。", "The survey code is invalid or was already used."
    ),
    ErrorCode.CONTACT_UNREADABLE: Message(
        "联系方式无法解密（密钥已更换或数据被改动）。",
        "The contact number cannot be decrypted (the key changed or the data was altered).",
    ),
    ErrorCode.FILE_INCOMPLETE: Message(
        "审查资料不完整，暂不能复核或作出认证决定。",
        "The audit file is incomplete: it cannot be reviewed or decided yet.",
    ),
    ErrorCode.CHECKLIST_INCOMPLETE: Message(
        "复核清单尚有未确认的项目。", "Some lines of the review checklist are not confirmed."
    ),
    ErrorCode.REVIEW_REQUIRED: Message(
        "须先完成复核并建议认证，才能作出认证决定。",
        "A review recommending certification must come before the decision.",
    ),
    ErrorCode.ALREADY_DECIDED: Message(
        "该项目已作出认证决定。", "The certification decision on this engagement is made."
    ),
    ErrorCode.DECISION_NOT_SUPPORTED: Message(
        "按认证方案的评价结果，不能批准认证。",
        "The scheme's decision rows do not support certification: it cannot be approved.",
    ),
    ErrorCode.NOT_APPROVED: Message(
        "认证决定尚未批准，不能颁发证书。",
        "Certification is not approved: no certificate can be issued.",
    ),
    ErrorCode.CERTIFICATE_EXISTS: Message(
        "该项目的认证证书已颁发。", "The certificate of this engagement is issued already."
    ),
    ErrorCode.NONCONFORMITY_STAGE: Message(
        "该不符合项当前所处阶段不允许此操作。",
        "The nonconformity is not at a stage that allows this.",
    ),
    ErrorCode.NONCONFORMITY_ANSWER_INCOMPLETE: Message(
        "提交整改需填写纠正措施并附整改证据（照片或文件）。",
        "An answer needs the correction and evidence (photos or documents).",
    ),
    ErrorCode.NONCONFORMITY_VERIFICATION_INCOMPLETE: Message(
        "关闭不符合项需写明验证方式、验证情况和重新判定结果。",
        "Closing a nonconformity needs the verification method, what was verified and the "
        "clause re-judged.",
    ),
    ErrorCode.NONCONFORMITY_REJUDGEMENT_ABOVE_CAP: Message(
        "整改后的符合程度最高只能判定为“基本符合”。",
        "After rectification a clause can be judged at most basic conformity (基本符合).",
    ),
    ErrorCode.EXPORT_INCOMPLETE: Message(
        "认证档案无法导出：有证据原件在存储中缺失。",
        "The certification file cannot be exported: an evidence original is missing from storage.",
    ),
    ErrorCode.RECERTIFICATION_WINDOW: Message(
        "不在再认证申请期内：有效期满前3个月起可申请，到期后3个月内须完成换证，否则按新申请处理。",
        "Outside the recertification window: apply from 3 months before expiry; after 3 months "
        "past expiry it is a new application.",
    ),
    ErrorCode.CERTIFICATE_ENDED: Message(
        "证书已撤销或过期，不再安排监督。",
        "The certificate is withdrawn or expired: no more surveillance.",
    ),
}
