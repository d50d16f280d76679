/**
 * Typed message catalogues (zh-CN first, English second) and the current-locale
 * state, persisted in a key-value store (localStorage in the page).
 *
 * Shared code: no DOM. The page passes its storage in, so the same module can
 * later serve the service worker (notification text) and runs in unit tests.
 */

/** Locales the app ships, in the order the language switch shows them. */
export const LOCALES = ['zh-CN', 'en'] as const;

export type Locale = (typeof LOCALES)[number];

/** The field staff and customers are in China: Chinese unless they choose otherwise. */
export const DEFAULT_LOCALE: Locale = 'zh-CN';

/** localStorage key holding the chosen locale. */
export const LOCALE_STORAGE_KEY = 'fieldcert.locale';

/** Each language's name in that language: the labels of the language switch. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  'zh-CN': '中文',
  en: 'English',
};

// The zh-CN catalogue defines the keys; every other catalogue must have exactly
// the same keys (the `Record<MessageKey, string>` type below enforces it).
const zhCN = {
  'app.description': '服务认证现场工作：神秘顾客走访、顾客评价与审核。',
  'status.label': '连接状态',
  'status.checking': '正在连接服务器…',
  'status.online': '在线 · 服务器正常',
  'status.serverError': '在线 · 服务器异常',
  'status.offline': '离线',
  'update.available': '有新版本可用',
  'update.apply': '立即更新',
  'update.later': '稍后',
  'language.label': '语言',
  'nav.label': "页面",
  'nav.assignments': "走访任务",
  'nav.inspect': "公开检验",
  'nav.review': "审核",
  'nav.settings': "设置",
  'common.loading': "正在加载…",
  'common.cachedAt': "离线：显示 {time} 保存的数据",
  'error.screen': "页面出错：",
  'sync.label': "同步状态",
  'sync.allSent': "全部已同步",
  'sync.pending': "待发送 {records} 条记录、{photos} 张照片",
  'sync.lastSuccess': "上次同步 {time}",
  'sync.never': "尚未同步",
  'sync.lastError': "上次出错：{message}",
  'sync.now': "立即同步",
  'syncError.storage': "手机存储出错：记录仍在，请重启应用后再试。",
  'syncError.otherUser': "这台手机上有其他用户的记录，需该用户登录后才能发送。",
  'syncError.conflict': "服务器上的记录已被修改，与本机修改冲突：请打开该走访处理。",
  'syncError.invalid': "服务器未接受记录：请打开该走访（或调查答卷）查看原因并处理。",
  'syncError.photo': "有照片在手机上丢失或损坏：请打开该走访处理。",
  'sync.blocked': "{n} 条需要处理",
  'visit.conflict': "以下内容在服务器上也被修改过，请核对后重新提交：{fields}",
  'sync.state.offline': "离线",
  'sync.state.syncing': "正在同步",
  'sync.state.error': "同步受阻",
  'sync.state.pending': "等待同步",
  'sync.state.synced': "已同步",
  'syncError.network': "连不上服务器，记录保存在手机上，会自动重试。",
  'syncError.auth': "登录已失效：请重新登录或重新配对设备，记录不会丢失。",
  'syncError.revoked': "此设备已被停用：请重新扫码配对，记录不会丢失。",
  'syncError.quota': "手机存储空间不足：请清理空间。",
  'syncError.busy': "服务器繁忙，稍后自动重试。",
  'storage.quota': "手机存储空间不足，未能保存。请清理空间后重试。",
  'storage.failed': "未能保存到手机：",
  'login.title': "登录",
  'login.email': "邮箱",
  'login.password': "密码",
  'login.submit': "登录",
  'login.missing': "请输入邮箱和密码。",
  'login.invalid': "邮箱或密码不正确。",
  'login.offline': "离线时无法登录：请连上网络后再试。",
  'login.pairHint': "也可以用管理员提供的二维码配对此设备。",
  'assignments.title': "我的走访任务",
  'assignments.unavailable': "无法加载任务：请连上网络后打开一次，之后离线也能使用。",
  'assignments.empty': "暂无任务。",
  'assignments.window': "走访时段",
  'assignments.mapApp': "地图应用",
  'assignments.amap': "高德地图",
  'assignments.instructions': "走访说明",
  'assignments.start': "开始走访",
  'assignments.continue': "继续",
  'assignments.returned': "审查员退回了这次走访，请修改后重新提交。",
  'assignmentStatus.assigned': "已分配",
  'assignmentStatus.in_progress': "进行中",
  'assignmentStatus.submitted': "已提交",
  'assignmentStatus.completed': "已完成",
  'assignmentStatus.cancelled': "已取消",
  'draft.none': "未开始",
  'draft.draft': "草稿（已保存在手机上）",
  'draft.queued': "已提交，待同步",
  'draft.synced': "已同步到服务器",
  'draft.returned': "已退回，待修改",
  'evaluationStatus.draft': "草稿",
  'evaluationStatus.submitted': "已提交",
  'evaluationStatus.accepted': "已接受",
  'evaluationStatus.returned': "已退回",
  'evaluationStatus.rejected': "已拒绝",
  'evaluationStatus.excluded': "已剔除",
  'role.admin': "认证机构管理员",
  'role.scheme_manager': "方案管理",
  'role.team_leader': "审查组长",
  'role.auditor': "审查员",
  'role.reviewer': "复核人",
  'role.shopper': "神秘顾客",
  'role.client_user': "认证委托人",
  'visit.missing': "手机上没有这条记录。",
  'visit.noPacket': "手机上没有这次走访的资料：请联网打开任务列表一次。",
  'visit.modeLabel': "模式 {mode}",
  'visit.returnedTitle': "审查员的意见",
  'visit.returnedHint': "请按意见修改，然后重新提交。",
  'visit.checkinTitle': "1 签到",
  'visit.checkoutTitle': "4 签退",
  'visit.checkin': "签到（读取位置）",
  'visit.checkinAgain': "重新读取位置",
  'visit.checkout': "签退（读取位置）",
  'visit.checkoutAgain': "重新签退",
  'visit.locating': "正在读取位置（多次读数）…",
  'visit.accuracy': "精度 ±{metres} m",
  'visit.geoOk': "位置正常：距场所 {distance}，精度 ±{accuracy} m",
  'visit.geoNone': "未取得位置：可以继续，审查员会看到没有定位。",
  'visit.geoOutside': "注意：位置在场所范围之外（距场所 {distance}，范围 {radius}）。",
  'visit.geoPoor': "注意：定位精度较差（±{accuracy} m，应优于 ±{limit} m）。可到室外或窗边重新读取。",
  'visit.geoFailed': "读取位置失败：",
  'visit.itemsTitle': "2 逐项评价",
  'visit.bonus': "加分项",
  'visit.points': "{points} 分",
  'visit.level': "等级",
  'visit.alpha': "精确 α（可选）",
  'visit.alphaLevel': "属于等级 {level}",
  'visit.alphaOutside': "不在任何等级区间内",
  'visit.alphaInvalid': "α 应在 0 到 1 之间。",
  'visit.na': "不适用",
  'visit.naReason': "不适用的原因（必填）",
  'visit.itemNote': "本项备注",
  'visit.photo': "拍照",
  'visit.photoGeneral': "拍摄其他照片",
  'visit.photoSaving': "正在保存照片…",
  'visit.photoSaved': "照片已保存在手机上",
  'visit.photoFailed': "照片未能保存：",
  'visit.photoDelete': "删除照片",
  'visit.notes': "3 总体备注与照片",
  'visit.notesHint': "走访的总体情况",
  'visit.reviewTitle': "5 检查并提交",
  'visit.summary': "已评价 {rated} 项、不适用 {na} 项，共 {total} 项",
  'visit.summaryPhotos': "照片 {photos} 张，定位读数 {fixes} 次",
  'visit.submit': "提交",
  'visit.resubmit': "重新提交",
  'visit.submitFailed': "未能提交：",
  'visit.queuedHint': "已提交：有网络时自动发送到服务器。",
  'visit.syncedHint': "服务器已收到这次走访。",
  'visit.syncError': "服务器未接受这次提交：{message}",
  'visit.problem.checkin': "尚未签到",
  'visit.problem.checkout': "尚未签退",
  'visit.problem.unrated': "尚未评价",
  'visit.problem.naReason': "选择了不适用，但未填写原因",
  'inspect.title': "公开检验（模式 A）",
  'inspect.unavailable': "无法加载项目：请连上网络后打开一次。",
  'inspect.empty': "没有可以进行公开检验的项目。",
  'inspect.myRecords': "我的检验记录",
  'inspect.start': "在“{site}”开始检验",
  'inspect.noPacket': "手机上没有此项目的资料：请联网后再打开。",
  'nav.surveys': "顾客调查",
  'survey.title': "顾客调查（面访）",
  'survey.unavailable': "无法加载调查：请连上网络后打开一次。",
  'survey.empty': "你参与的项目中没有调查活动。",
  'survey.dates': "{opens} 至 {closes}",
  'survey.state.not_open': "尚未开始",
  'survey.state.open': "进行中",
  'survey.state.closed': "已结束",
  'survey.start': "录入一份面访答卷",
  'survey.mine': "本机的面访答卷（{n}）",
  'survey.answerState.queued': "已保存，待发送",
  'survey.answerState.sent': "已发送到服务器",
  'survey.answerState.blocked': "服务器未接受",
  'survey.retry': "再次发送",
  'survey.discard': "删除此答卷",
  'survey.discardConfirm': "删除后无法恢复。确定删除这份未被服务器接受的答卷？",
  'survey.missing': "手机上没有此调查的资料：请联网后打开一次调查列表。",
  'survey.notOpen': "此调查现在不在进行中，不能录入。",
  'survey.site': "场所",
  'survey.chooseSite': "请选择场所",
  'survey.progress': "已答 {n} / {total} 题",
  'survey.na': "不适用 / 未接触",
  'survey.comment': "意见或建议（选填）",
  'survey.phone': "回访电话（选填）",
  'survey.consent': "我同意认证机构加密保存上述电话号码，仅用于回访核实本答卷，核实结束后删除（调查结束后 {days} 天内）；号码不会提供给被评价单位。",
  'survey.interviewer': "访问员：{name}",
  'survey.secondInterviewer': "第二访问员（选填）",
  'survey.noSecond': "无",
  'survey.staffAbsent': "我确认：访问时受评单位的员工不在场。",
  'survey.save': "保存答卷",
  'survey.saved': "答卷已保存在手机上，联网后自动发送。",
  'survey.conductedAt': "访问时间 {time}",
  'survey.problem.site': "请选择场所。",
  'survey.problem.unanswered': "还有 {n} 题未回答（可选“不适用”）：{items}",
  'survey.problem.absent': "请确认受评单位员工不在场。",
  'survey.problem.consent': "留下电话需勾选同意；不同意请清空号码。",
  'review.title': "待审核",
  'review.offline': "审核需要网络：请连上网络后再试。",
  'review.empty': "没有待审核的测评。",
  'review.detailTitle': "审核测评",
  'review.version': "第 {version} 版",
  'review.noSite': "没有场所位置，无法绘图。",
  'review.integrity': "完整性提示",
  'review.integrityUnavailable': "无法获取完整性提示。",
  'review.noFlags': "没有提示。",
  'review.plot': "位置图（场所、范围、定位与拍照点）",
  'review.plotLegend': "圆圈为场所范围（{radius}）；圆点为 {fixes} 次定位（浅色圈为精度），方块为 {photos} 张照片的拍摄点；最远定位距场所 {farthest}。",
  'review.photoPoint': "拍照点",
  'review.timeline': "时间线",
  'review.tlStart': "签到",
  'review.tlEnd': "签退",
  'review.tlFix': "定位 #{n}（±{accuracy} m）",
  'review.tlPhoto': "拍照（项目 {item}）",
  'review.photos': "照片（{n}）",
  'review.ratings': "评价",
  'review.level': "等级 {level}",
  'review.decide': "审核结论",
  'review.commentHint': "意见（退回、拒绝、剔除时必填）",
  'review.commentRequired': "请填写意见。",
  'review.action.accept': "接受",
  'review.action.return': "退回修改",
  'review.action.reject': "拒绝",
  'review.action.exclude': "剔除",
  'review.done': "已完成：{status}",
  'review.noActions': "此状态下不能审核。",
  'check.passed': "通过",
  'check.flagged': "有提示",
  'check.not_applicable': "不适用",
  'settings.title': "设置",
  'settings.language': "语言与显示",
  'settings.largeText': "大字体",
  'settings.storage': "手机存储",
  'settings.storageUsage': "已用 {usage}，可用上限 {quota}",
  'settings.storageUnknown': "无法读取存储用量。",
  'settings.persisted': "已获准持久保存：浏览器不会自动清除记录。",
  'settings.notPersisted': "未获准持久保存：空间不足时浏览器可能清除数据，请尽快同步。",
  'settings.persistUnknown': "持久保存状态未知。",
  'settings.device': "设备与账号",
  'settings.paired': "此设备已配对。",
  'settings.notPaired': "此设备未配对（使用登录账号）。",
  'settings.signOut': "退出登录",
  'settings.notifications': "通知",
  'settings.enablePush': "开启通知",
  'settings.push.granted': "通知已开启：任务和退回会提醒你。",
  'settings.push.denied': "通知被拒绝：请在浏览器设置中允许。",
  'settings.push.default': "尚未开启通知。",
  'settings.push.unsupported': "此浏览器不支持通知（如微信内置浏览器）。",
  'settings.signOutPaired': "配对的设备退出后仍可同步；如需停用请由管理员撤销设备。",
} as const satisfies Record<string, string>;

/** Every message the UI can show. */
export type MessageKey = keyof typeof zhCN;

export type Catalogue = Readonly<Record<MessageKey, string>>;

const en: Catalogue = {
  'app.description':
    'Field work for service certification: mystery-shopper visits, customer feedback and audits.',
  'status.label': 'Connection status',
  'status.checking': 'Connecting to the server…',
  'status.online': 'Online · server OK',
  'status.serverError': 'Online · server error',
  'status.offline': 'Offline',
  'update.available': 'A new version is available',
  'update.apply': 'Update now',
  'update.later': 'Later',
  'language.label': 'Language',
  'nav.label': "Pages",
  'nav.assignments': "Visits",
  'nav.inspect': "Inspection",
  'nav.review': "Review",
  'nav.settings': "Settings",
  'common.loading': "Loading…",
  'common.cachedAt': "Offline: showing data saved at {time}",
  'error.screen': "This page failed:",
  'sync.label': "Sync status",
  'sync.allSent': "everything sent",
  'sync.pending': "{records} records and {photos} photos to send",
  'sync.lastSuccess': "last sync {time}",
  'sync.never': "not synced yet",
  'sync.lastError': "last error: {message}",
  'sync.now': "Sync now",
  'syncError.storage': "The phone's storage failed: your records are kept; restart the app and try again.",
  'syncError.otherUser': "This phone holds another user's records; they are sent when that user signs in.",
  'syncError.conflict': "The record was changed on the server too: open the visit to resolve it.",
  'syncError.invalid': "The server did not accept a record: open the visit (or survey answer) to see why and deal with it.",
  'syncError.photo': "A photo is missing or damaged on the phone: open the visit to resolve it.",
  'sync.blocked': "{n} need your attention",
  'visit.conflict': "These were also changed on the server; check them and submit again: {fields}",
  'sync.state.offline': "Offline",
  'sync.state.syncing': "Syncing",
  'sync.state.error': "Sync blocked",
  'sync.state.pending': "Waiting to sync",
  'sync.state.synced': "Synced",
  'syncError.network': "The server cannot be reached; your records are safe on the phone and will be retried.",
  'syncError.auth': "Your sign-in has expired: sign in or pair the device again; nothing is lost.",
  'syncError.revoked': "This device was revoked: pair it again with a QR code; nothing is lost.",
  'syncError.quota': "The phone is out of storage: free some space.",
  'syncError.busy': "The server is busy; retrying later.",
  'storage.quota': "The phone is out of storage; not saved. Free some space and try again.",
  'storage.failed': "Could not save on the phone:",
  'login.title': "Sign in",
  'login.email': "Email",
  'login.password': "Password",
  'login.submit': "Sign in",
  'login.missing': "Enter your email and password.",
  'login.invalid': "Wrong email or password.",
  'login.offline': "You cannot sign in offline: connect and try again.",
  'login.pairHint': "Or pair this device with the QR code your administrator gives you.",
  'assignments.title': "My visits",
  'assignments.unavailable': "Cannot load your visits: open this page once while online; then it works offline.",
  'assignments.empty': "No visits assigned.",
  'assignments.window': "Window",
  'assignments.mapApp': "Map app",
  'assignments.amap': "Amap",
  'assignments.instructions': "Instructions",
  'assignments.start': "Start visit",
  'assignments.continue': "Continue",
  'assignments.returned': "The auditor returned this visit: correct it and submit again.",
  'assignmentStatus.assigned': "Assigned",
  'assignmentStatus.in_progress': "In progress",
  'assignmentStatus.submitted': "Submitted",
  'assignmentStatus.completed': "Completed",
  'assignmentStatus.cancelled': "Cancelled",
  'draft.none': "Not started",
  'draft.draft': "Draft (saved on the phone)",
  'draft.queued': "Submitted, waiting to sync",
  'draft.synced': "On the server",
  'draft.returned': "Returned for correction",
  'evaluationStatus.draft': "Draft",
  'evaluationStatus.submitted': "Submitted",
  'evaluationStatus.accepted': "Accepted",
  'evaluationStatus.returned': "Returned",
  'evaluationStatus.rejected': "Rejected",
  'evaluationStatus.excluded': "Excluded",
  'role.admin': "Administrator",
  'role.scheme_manager': "Scheme manager",
  'role.team_leader': "Team leader",
  'role.auditor': "Auditor",
  'role.reviewer': "Reviewer",
  'role.shopper': "Mystery shopper",
  'role.client_user': "Client",
  'visit.missing': "This record is not on this phone.",
  'visit.noPacket': "This visit's data is not on the phone: open the visit list once while online.",
  'visit.modeLabel': "Mode {mode}",
  'visit.returnedTitle': "The auditor's comment",
  'visit.returnedHint': "Correct the visit as asked, then submit it again.",
  'visit.checkinTitle': "1 Check in",
  'visit.checkoutTitle': "4 Check out",
  'visit.checkin': "Check in (read position)",
  'visit.checkinAgain': "Read the position again",
  'visit.checkout': "Check out (read position)",
  'visit.checkoutAgain': "Check out again",
  'visit.locating': "Reading the position (several readings)…",
  'visit.accuracy': "accuracy ±{metres} m",
  'visit.geoOk': "Position OK: {distance} from the site, accuracy ±{accuracy} m",
  'visit.geoNone': "No position: you can go on; the auditor will see there was no fix.",
  'visit.geoOutside': "Warning: the position is outside the site ({distance} away, the site's area is {radius}).",
  'visit.geoPoor': "Warning: poor accuracy (±{accuracy} m, should be better than ±{limit} m). Try outdoors or near a window.",
  'visit.geoFailed': "Could not read the position:",
  'visit.itemsTitle': "2 Rate the items",
  'visit.bonus': "Bonus items",
  'visit.points': "{points} pts",
  'visit.level': "Level",
  'visit.alpha': "Exact α (optional)",
  'visit.alphaLevel': "level {level}",
  'visit.alphaOutside': "in no level's band",
  'visit.alphaInvalid': "α must be between 0 and 1.",
  'visit.na': "Not applicable",
  'visit.naReason': "Why not applicable (required)",
  'visit.itemNote': "Note on this item",
  'visit.photo': "Take photo",
  'visit.photoGeneral': "Other photos",
  'visit.photoSaving': "Saving the photo…",
  'visit.photoSaved': "Photo saved on the phone",
  'visit.photoFailed': "The photo was not saved:",
  'visit.photoDelete': "Delete photo",
  'visit.notes': "3 Notes and photos",
  'visit.notesHint': "How the visit went overall",
  'visit.reviewTitle': "5 Review and submit",
  'visit.summary': "{rated} rated, {na} not applicable, of {total} items",
  'visit.summaryPhotos': "{photos} photos, {fixes} position readings",
  'visit.submit': "Submit",
  'visit.resubmit': "Submit again",
  'visit.submitFailed': "Could not submit:",
  'visit.queuedHint': "Submitted: it is sent to the server whenever there is a network.",
  'visit.syncedHint': "The server has this visit.",
  'visit.syncError': "The server did not accept this submission: {message}",
  'visit.problem.checkin': "not checked in",
  'visit.problem.checkout': "not checked out",
  'visit.problem.unrated': "not rated",
  'visit.problem.naReason': "not applicable without a reason",
  'inspect.title': "Open inspection (mode A)",
  'inspect.unavailable': "Cannot load engagements: open this page once while online.",
  'inspect.empty': "No engagement to inspect.",
  'inspect.myRecords': "My inspection records",
  'inspect.start': "Start inspecting \"{site}\"",
  'inspect.noPacket': "This engagement's data is not on the phone: open it once while online.",
  'nav.surveys': "Surveys",
  'survey.title': "Customer survey (face to face)",
  'survey.unavailable': "Cannot load the surveys: open this page once while online.",
  'survey.empty': "No survey campaign on your engagements.",
  'survey.dates': "{opens} to {closes}",
  'survey.state.not_open': "Not open yet",
  'survey.state.open': "Open",
  'survey.state.closed': "Closed",
  'survey.start': "Enter a face-to-face answer",
  'survey.mine': "Answers entered on this phone ({n})",
  'survey.answerState.queued': "Saved, waiting to be sent",
  'survey.answerState.sent': "On the server",
  'survey.answerState.blocked': "Not accepted by the server",
  'survey.retry': "Send again",
  'survey.discard': "Delete this answer",
  'survey.discardConfirm': "This cannot be undone. Delete this answer the server did not accept?",
  'survey.missing': "This survey's data is not on the phone: open the survey list once while online.",
  'survey.notOpen': "This survey is not open now: no answers can be entered.",
  'survey.site': "Site",
  'survey.chooseSite': "Choose the site",
  'survey.progress': "{n} of {total} answered",
  'survey.na': "Not applicable",
  'survey.comment': "Comments or suggestions (optional)",
  'survey.phone': "Phone for a check call (optional)",
  'survey.consent': "I agree that the certification body keeps this number, encrypted, only to call me once to confirm this answer, and deletes it when the check ends ({days} days after the survey closes). It is never given to the organisation being evaluated.",
  'survey.interviewer': "Interviewer: {name}",
  'survey.secondInterviewer': "Second interviewer (optional)",
  'survey.noSecond': "None",
  'survey.staffAbsent': "I confirm the client's staff were not present during the interview.",
  'survey.save': "Save the answer",
  'survey.saved': "The answer is saved on the phone and is sent when there is a network.",
  'survey.conductedAt': "Interviewed {time}",
  'survey.problem.site': "Choose the site.",
  'survey.problem.unanswered': "{n} questions unanswered (\"Not applicable\" is an answer): {items}",
  'survey.problem.absent': "Confirm the client's staff were not present.",
  'survey.problem.consent': "Tick the consent to leave a number, or clear the number.",
  'review.title': "To review",
  'review.offline': "Reviewing needs a network: connect and try again.",
  'review.empty': "Nothing to review.",
  'review.detailTitle': "Review an evaluation",
  'review.version': "version {version}",
  'review.noSite': "No site position: no plot.",
  'review.integrity': "Integrity flags",
  'review.integrityUnavailable': "The integrity flags could not be read.",
  'review.noFlags': "No flags.",
  'review.plot': "Where (site, area, fixes, photo points)",
  'review.plotLegend': "The circle is the site's area ({radius}); dots are the {fixes} fixes (pale rings: accuracy), squares where the {photos} photos were taken; farthest fix {farthest} from the site.",
  'review.photoPoint': "photo point",
  'review.timeline': "Timeline",
  'review.tlStart': "Checked in",
  'review.tlEnd': "Checked out",
  'review.tlFix': "Fix #{n} (±{accuracy} m)",
  'review.tlPhoto': "Photo (item {item})",
  'review.photos': "Photos ({n})",
  'review.ratings': "Ratings",
  'review.level': "level {level}",
  'review.decide': "Decision",
  'review.commentHint': "Comment (required to return, reject or exclude)",
  'review.commentRequired': "Write a comment.",
  'review.action.accept': "Accept",
  'review.action.return': "Return for correction",
  'review.action.reject': "Reject",
  'review.action.exclude': "Exclude",
  'review.done': "Done: {status}",
  'review.noActions': "No review action in this status.",
  'check.passed': "passed",
  'check.flagged': "flagged",
  'check.not_applicable': "not applicable",
  'settings.title': "Settings",
  'settings.language': "Language and display",
  'settings.largeText': "Large text",
  'settings.storage': "Storage on the phone",
  'settings.storageUsage': "{usage} used of {quota} available",
  'settings.storageUnknown': "Storage use is unknown.",
  'settings.persisted': "Persistent storage granted: the browser will not clear your records.",
  'settings.notPersisted': "Persistent storage not granted: the browser may clear data when space runs low; sync soon.",
  'settings.persistUnknown': "Persistent storage: unknown.",
  'settings.device': "Device and account",
  'settings.paired': "This device is paired.",
  'settings.notPaired': "This device is not paired (signed in with an account).",
  'settings.signOut': "Sign out",
  'settings.notifications': "Notifications",
  'settings.enablePush': "Turn on notifications",
  'settings.push.granted': "Notifications are on: new visits and returns reach you.",
  'settings.push.denied': "Notifications were refused: allow them in the browser settings.",
  'settings.push.default': "Notifications are not on yet.",
  'settings.push.unsupported': "This browser has no notifications (WeChat's browser, for one).",
  'settings.signOutPaired': "A paired device keeps syncing after sign-out; ask an administrator to revoke it.",
};

/** `fill('共 {n} 项', {n: 3})` → `共 3 项`: named placeholders, so translations may reorder them. */
export function fill(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The message catalogues, one per locale. */
export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { 'zh-CN': zhCN, en };

/** The subset of the Web Storage API that i18n needs (localStorage satisfies it). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Whether `value` names a shipped locale. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Whether `value` is a key of the catalogues (for keys read from HTML attributes). */
export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(zhCN, value);
}

export type LocaleListener = (locale: Locale) => void;

/** Current locale, translation and change notification. */
export interface I18n {
  readonly locale: Locale;
  /** The message for `key` in the current locale. */
  t(key: MessageKey): string;
  /** Switch locale, persist the choice and notify listeners (no-op if unchanged). */
  setLocale(locale: Locale): void;
  /** Call `listener` after every locale change; returns an unsubscribe function. */
  onChange(listener: LocaleListener): () => void;
}

/**
 * Create the i18n state, reading the saved locale from `store`.
 *
 * `store` may be null or may throw (storage disabled, private browsing, some
 * in-app browsers): the app then still works, it just forgets the choice.
 */
export function createI18n(store: KeyValueStore | null): I18n {
  let locale = readLocale(store);
  const listeners = new Set<LocaleListener>();
  return {
    get locale() {
      return locale;
    },
    t(key) {
      return CATALOGUES[locale][key];
    },
    setLocale(next) {
      if (next === locale) return;
      locale = next;
      writeLocale(store, next);
      for (const listener of listeners) listener(next);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function readLocale(store: KeyValueStore | null): Locale {
  try {
    const saved = store?.getItem(LOCALE_STORAGE_KEY);
    return isLocale(saved) ? saved : DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

function writeLocale(store: KeyValueStore | null, locale: Locale): void {
  try {
    store?.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Quota or disabled storage: keep the in-memory choice for this session.
  }
}
