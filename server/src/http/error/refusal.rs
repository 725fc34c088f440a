//! Each refusal of the services, once: its status and code (from the catalogue), its words
//! in Chinese and English, and the numbers behind it. This file is one `match` by design:
//! every service error is answered here and nowhere else.

use super::{ApiError, ErrorCode};
use crate::service::Error;
use jianfu_core::Problem;
use jianfu_core::template::Refusal;
use serde_json::{Value, json};

impl From<Error> for ApiError {
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per refusal, read as a table"
    )]
    fn from(err: Error) -> Self {
        use ErrorCode as C;
        match err {
            Error::ForbiddenRole { role, allowed } => {
                let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
                ApiError::new(C::ForbiddenRole)
                    .message(
                        format!("此操作需要角色 {}，您的角色是 {role}", names.join(" / ")),
                        format!("this needs the role {}, yours is {role}", names.join(" or ")),
                    )
                    .details(json!({ "role": role, "allowed": names }))
            }
            Error::OutOfScope { unit, scope } => ApiError::new(C::OutOfScope)
                .message(
                    format!("{unit} 不在您的管辖范围 {scope} 之内"),
                    format!("{unit} is outside your subtree {scope}"),
                )
                .details(json!({ "unit": unit, "scope": scope })),
            Error::NotYourReport { id } => ApiError::new(C::OutOfScope)
                .message("这不是您的报告", "this report is not yours")
                .details(json!({ "id": id })),
            Error::BadCredentials => ApiError::new(C::BadCredentials),
            Error::UnknownAccount => ApiError::new(C::InvalidToken)
                .details(json!({ "reason": "the user no longer exists" })),
            Error::AccountDisabled => ApiError::new(C::AccountDisabled),
            Error::TokenRevoked { reason } => {
                ApiError::new(C::TokenRevoked).details(json!({ "reason": reason }))
            }
            Error::TooManyAttempts { retry_after } => ApiError::new(C::TooManyAttempts)
                .message(
                    format!("尝试次数过多，请 {retry_after} 秒后再试"),
                    format!("too many attempts: try again in {retry_after} seconds"),
                )
                .details(json!({ "retry_after_seconds": retry_after }))
                .retry_after(retry_after),
            Error::Busy => ApiError::new(C::Busy),
            Error::Invalid(problem) => problem_error(C::ValidationFailed, *problem),
            Error::InvalidQuery(problem) => problem_error(C::InvalidQuery, *problem),
            Error::InvalidDivisionCode {
                field,
                value,
                error,
            } => problem_error(C::InvalidDivisionCode, error.to_problem(field))
                .details(json!({ "field": field, "value": value })),
            Error::InvalidPeriod(problem) => {
                let reason = json!({ "reason": problem.code, "field": problem.field });
                problem_error(C::InvalidPeriod, *problem).details(reason)
            }
            Error::UnknownTimeZone { name } => ApiError::new(C::UnknownTimeZone)
                .message(
                    format!("未知的时区 {name:?}，例如 Asia/Shanghai"),
                    format!("unknown time zone {name:?}; e.g. Asia/Shanghai"),
                )
                .details(json!({ "field": "time_zone", "value": name })),
            Error::InvalidReportId { value } => ApiError::new(C::InvalidReportId)
                .message(
                    format!("报告编号 {value:?} 不是 UUID"),
                    format!("the report id {value:?} is not a UUID"),
                )
                .details(json!({ "field": "id", "value": value })),
            Error::InvalidBoundary(problem) => {
                let reason = json!({ "reason": problem.code });
                problem_error(C::InvalidBoundary, *problem).details(reason)
            }
            Error::OrgUnitNotFound(code) => ApiError::new(C::OrgUnitNotFound)
                .message(
                    format!("没有代码为 {code} 的行政单位"),
                    format!("no org unit has the code {code}"),
                )
                .details(json!({ "code": code })),
            Error::NoBoundary(code) => ApiError::new(C::OrgUnitNotFound)
                .message(format!("{code} 没有边界"), format!("{code} has no boundary"))
                .details(json!({ "code": code })),
            Error::UserNotFound { username } => ApiError::new(C::UserNotFound)
                .message(
                    format!("没有用户名为 {username:?} 的用户"),
                    format!("no user is named {username:?}"),
                )
                .details(json!({ "field": "username", "value": username })),
            Error::TemplateNotFound { id } => ApiError::new(C::TemplateNotFound)
                .message(
                    format!("没有编号为 {id} 的模板"),
                    format!("no template has the id {id}"),
                )
                .details(json!({ "id": id })),
            Error::ReportNotFound { id } => ApiError::new(C::ReportNotFound)
                .message(
                    format!("没有编号为 {id} 的报告"),
                    format!("no report has the id {id}"),
                )
                .details(json!({ "id": id })),
            Error::EmergencyNotFound { id } => ApiError::new(C::NotFound)
                .message(format!("没有编号为 {id} 的紧急状态"), format!("no emergency has the id {id}"))
                .details(json!({ "id": id })),
            Error::PostingNotFound { id } => ApiError::new(C::NotFound)
                .message(format!("您的管辖范围内没有编号为 {id} 的驻村安排"), format!("no posting has the id {id} in your subtree"))
                .details(json!({ "id": id })),
            Error::PolicyNotFound { unit } => ApiError::new(C::PolicyNotFound)
                .message(
                    format!("{unit} 及其上级单位都没有设置填报规则"),
                    format!("no policy on {unit} or any of its ancestors"),
                )
                .details(json!({ "unit": unit })),
            Error::DepartmentNotFound { id } => ApiError::new(C::DepartmentNotFound)
                .message(
                    format!("您的管辖范围内没有编号为 {id} 的部门"),
                    format!("no department has the id {id} in your subtree"),
                )
                .details(json!({ "field": "department_id", "id": id })),
            Error::DepartmentExists { existing } => ApiError::new(C::DepartmentExists)
                .message(
                    format!("{} 已有名为“{}”的部门", existing.org_unit, existing.name),
                    format!("{} already has a department named {:?}", existing.org_unit, existing.name),
                )
                .details(json!({ "existing": existing })),
            Error::NotReceived { department, village } => ApiError::new(C::NotReceived)
                .message(
                    format!("{department}的数据需求不涉及 {village}，这份报告没有需要本部门查看或审核的内容"),
                    format!("none of {department}'s data needs reach {village}: this report holds nothing for your department"),
                )
                .details(json!({ "department": department, "village": village })),
            Error::OrgUnitExists(code) => {
                ApiError::new(C::OrgUnitExists).details(json!({ "code": code }))
            }
            Error::ParentNotFound { code, parent: None } => ApiError::new(C::ParentNotFound)
                .details(json!({ "code": code, "reason": "a province has no parent to attach to" })),
            Error::ParentNotFound {
                code,
                parent: Some(parent),
            } => ApiError::new(C::ParentNotFound)
                .message(
                    format!("上级单位 {parent} 不存在"),
                    format!("the parent unit {parent} does not exist"),
                )
                .details(json!({ "code": code, "parent_code": parent })),
            Error::ImportInvalid {
                error_count,
                errors,
            } => ApiError::new(C::ImportInvalid)
                .message(
                    format!("导入文件有 {error_count} 处错误，未导入任何数据"),
                    format!("the import file has {error_count} errors; nothing was imported"),
                )
                .details(json!({ "error_count": error_count, "errors": errors })),
            Error::UsernameTaken { username } => ApiError::new(C::UsernameTaken)
                .message(
                    format!("用户名 {username} 已被使用"),
                    format!("the username {username} is taken"),
                )
                .details(json!({ "field": "username", "username": username })),
            Error::NotACadre { username, role } => ApiError::new(C::NotACadre)
                .message(
                    format!("{username} 的角色是 {role}，不是驻村干部"),
                    format!("{username} is a {role}, not a cadre"),
                )
                .details(json!({ "username": username, "role": role })),
            Error::PostingOverlaps { username, existing } => ApiError::new(C::PostingOverlaps)
                .message(
                    format!(
                        "{username} 在 {} 起已驻 {}，与新安排重叠",
                        existing.starts_on, existing.org_unit
                    ),
                    format!(
                        "{username} is already posted to {} from {}; the new posting overlaps",
                        existing.org_unit, existing.starts_on
                    ),
                )
                .details(json!({ "existing": existing })),
            Error::NotPosted {
                period,
                first,
                last,
            } => ApiError::new(C::NotPosted)
                .message(
                    format!("您在 {first} 至 {last} 没有驻村安排"),
                    format!("you have no posting between {first} and {last}"),
                )
                .details(json!({ "period": period })),
            Error::Template { kind, problems } => {
                let code = match kind {
                    Refusal::TooManyFields => C::TooManyFields,
                    Refusal::DuplicateField => C::DuplicateField,
                    Refusal::PhotoRequired => C::PhotoRequired,
                    Refusal::InvalidField => C::InvalidField,
                };
                ApiError::from_problems(code, &problems)
            }
            Error::BurdenOverBudget { problem, unit } => {
                ApiError::from_problems(C::BurdenOverBudget, std::slice::from_ref(&problem))
                    .details(json!({ "unit": unit }))
            }
            Error::CadenceBelowFloor { unit, kind } => ApiError::new(C::CadenceBelowFloor)
                .message(
                    format!("{unit} 没有进行中的紧急状态，填报周期不得短于每周（收到 {kind}）"),
                    format!("no emergency is active for {unit}: the cadence may not be shorter than weekly (got {kind})"),
                )
                .details(json!({ "period_kind": kind, "floor": "weekly", "active_emergency": Value::Null })),
            Error::EmergencyTooLong { days } => {
                let max = crate::service::emergencies::MAX_EMERGENCY_DAYS;
                ApiError::new(C::EmergencyTooLong)
                    .message(
                        format!("紧急状态应为 1 到 {max} 天，收到 {days} 天"),
                        format!("an emergency lasts 1 to {max} days, got {days}"),
                    )
                    .details(json!({ "field": "days", "min": 1, "max": max, "actual": days }))
            }
            Error::DataNeedUnmatched {
                template_id,
                label_zh,
                label_en,
                fields,
                similar,
            } => {
                let hint = similar.as_deref().map(|(key, label, _)| {
                    (format!("；已有字段“{label}”（{key}）与之相似，如问的是同一件事，请用 field_key 关联它"),
                     format!("; the existing field {key} ({label}) reads alike: if it asks the same thing, link it with field_key"))
                });
                let (hint_zh, hint_en) = hint.unwrap_or_default();
                ApiError::new(C::DataNeedUnmatched)
                    .message(
                        format!("模板 {template_id} 中没有与“{label_zh}”对应的字段；请提供要新增的字段{hint_zh}"),
                        format!("no field of template {template_id} answers {label_en:?}; supply the field to add{hint_en}"),
                    )
                    .details(json!({ "template_id": template_id, "fields": fields,
                        "similar": similar.map(|b| { let (key, label_zh, score) = *b; json!({
                            "key": key, "label_zh": label_zh, "similarity": (score * 100.0).round() / 100.0 }) }) }))
            }
            Error::ReportInvalid(problems) => ApiError::from_problems(C::ReportInvalid, &problems),
            Error::PeriodKindMismatch {
                village,
                policy_kind,
                period_kind,
            } => ApiError::new(C::PeriodKindMismatch)
                .message(
                    format!("{village} 的填报周期是 {policy_kind}，不是 {period_kind}"),
                    format!("the cadence of {village} is {policy_kind}, not {period_kind}"),
                )
                .details(json!({ "period_kind": period_kind, "policy_kind": policy_kind })),
            Error::PeriodNotStarted { period, starts } => ApiError::new(C::PeriodNotStarted)
                .message(
                    format!("周期 {period} 尚未开始"),
                    format!("the period {period} has not started"),
                )
                .details(json!({ "period": period, "starts": starts.to_string() })),
            Error::ReportExistsForPeriod {
                existing_id,
                period,
            } => ApiError::new(C::ReportExistsForPeriod)
                .message(
                    format!("周期 {period} 已有报告 {existing_id}，请在原报告上修改"),
                    format!("the period {period} already has the report {existing_id}: revise that one"),
                )
                .details(json!({ "existing_id": existing_id, "period": period })),
            Error::ReportIdTaken {
                id,
                period,
                existing_period,
            } => ApiError::new(C::ReportIdTaken)
                .message(
                    format!("报告编号 {id} 已用于另一份报告，请换一个新编号"),
                    format!("the report id {id} is used by another report: make a new id"),
                )
                .details(json!({ "id": id, "period": period, "existing_period": existing_period })),
            Error::PeriodLocked { period, locks_at } => {
                let at = format_instant(locks_at);
                ApiError::new(C::PeriodLocked)
                    .message(
                        format!("周期 {period} 已于 {at} 锁定，请联系审核人重新开放"),
                        format!("the period {period} locked at {at}: ask a reviewer to reopen it"),
                    )
                    .details(json!({ "locks_at": locks_at, "period": period }))
            }
            Error::RevisionConflict { base, latest } => {
                let content: Value = serde_json::from_str(&latest.content).unwrap_or(Value::Null);
                ApiError::new(C::RevisionConflict)
                    .message(
                        format!("这份报告已有更新的第 {} 版，您修改的是{}：请对照后选择保留哪一份", latest.revision,
                            base.map_or_else(|| "一份没有版本号的草稿".to_owned(), |b| format!("第 {b} 版"))),
                        format!("the report has a newer revision {}; you edited {}: compare them and choose",
                            latest.revision, base.map_or_else(|| "a draft with no revision".to_owned(), |b| format!("revision {b}"))),
                    )
                    .details(json!({ "base_revision": base, "latest": {
                        "revision": latest.revision, "content": content,
                        "received_at": latest.received_at, "status": latest.status } }))
            }
            Error::Storage(e) if crate::db::is_unavailable(&e) => {
                tracing::warn!(error = %e, "storage unavailable");
                ApiError::new(C::StorageUnavailable)
            }
            Error::Storage(e) => ApiError::internal(&e),
            Error::Internal(what) => ApiError::internal(&what),
        }
    }
}

/// An error carrying one problem: its words, its details and the field it names.
fn problem_error(code: ErrorCode, problem: Problem) -> ApiError {
    let field = json!({ "field": problem.field });
    ApiError::new(code)
        .message(problem.message_zh, problem.message_en)
        .details(problem.details)
        .details(field)
}

fn format_instant(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}
