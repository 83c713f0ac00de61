//! The TypeScript declarations of every value the window and the Rust side exchange
//! (`ui/src/bindings.ts`), generated from the Rust types with ts-rs. A test keeps the file
//! current; `UPDATE_BINDINGS=1 cargo test -p rolesync-app bindings` rewrites it.

use rolesync_config as config;
use rolesync_core as core;
use ts_rs::TS;

/// Every declaration, in dependency order, as one module.
pub fn bindings() -> String {
    macro_rules! decls {
        ($($t:ty),* $(,)?) => {{
            let mut out = String::from("// Generated from the Rust types by ts-rs (crates/app/src/bindings.rs). Do not edit.\n// Regenerate: UPDATE_BINDINGS=1 cargo test -p rolesync-app bindings\n\n");
            $( out.push_str("export "); out.push_str(&<$t as TS>::decl()); out.push_str("\n\n"); )*
            out
        }};
    }
    decls!(
        core::ids::Dn,
        core::ids::EntraObjectId,
        core::ids::RoleDefinitionId,
        core::tenant::AssignmentKind,
        core::events::Step,
        core::events::StepStatus,
        core::plan::Action,
        core::plan::MatchedBy,
        core::plan::ChangeReason,
        core::pim::PimRequest,
        core::plan::Change,
        core::plan::SkipReason,
        core::plan::Skipped,
        core::plan::UntouchedReason,
        core::plan::Untouched,
        core::pim::PimRule,
        core::pim::HoldScope,
        core::pim::PimHold,
        core::pim::RolePim,
        core::plan::Expiration,
        core::plan::RolePlan,
        core::plan::StopKind,
        core::plan::SafetyStop,
        core::plan::PlanSummary,
        core::mapping::UnmappedGroup,
        core::mapping::SkippedMapping,
        core::plan::Plan,
        core::traits::ChangeOutcome,
        core::traits::ReadErrorKind,
        core::events::WaitReason,
        core::events::Waiting,
        core::events::SyncEvent,
        core::report::RunMode,
        core::report::Outcome,
        core::report::StepReport,
        core::report::ItemReport,
        core::report::HeldItem,
        core::report::RoleReport,
        core::report::ReportSummary,
        core::drift::DriftChange,
        core::drift::DriftItem,
        core::approval::PendingApproval,
        core::approval::HeldSummary,
        core::exposure::Severity,
        core::exposure::PrincipalKind,
        core::exposure::FindingKind,
        core::exposure::Right,
        core::exposure::FindingPrincipal,
        core::exposure::FindingGroup,
        core::exposure::ExposureFinding,
        core::exposure::ExposureReport,
        core::report::RunReport,
        config::schema::Kind,
        config::schema::DefaultValue,
        config::schema::Setting,
        config::schema::Section,
        config::form::FieldValue,
        config::form::SettingsForm,
        config::form::FieldError,
        crate::error::ErrorKind,
        crate::error::AppError,
        crate::history::RunSummary,
        crate::approvals::HeldStatus,
        crate::approvals::HeldView,
        crate::session::Approvals,
        crate::history::LogLine,
        crate::history::LogView,
        crate::history::RunDetails,
        crate::session::AppInfo,
        crate::messages::SignInMethod,
        crate::messages::Question,
        crate::messages::Prompt,
        crate::messages::Answer,
        crate::messages::RunMessage,
        crate::session::StartRun,
        crate::session::RunResult,
        crate::credentials::CredentialInfo,
        crate::credentials::CredentialList,
        crate::settings::SettingsState,
        crate::schedule::Frequency,
        crate::schedule::ScheduleAction,
        crate::schedule::ScheduleRequest,
        crate::setup::SetupAnswers,
        crate::setup::SetupSecrets,
        crate::setup::SetupLine,
        crate::setup::CertificateInfo,
        crate::setup::SetupStart,
        crate::setup::GroupRole,
        crate::setup::DirectoryFound,
        crate::setup::TenantFound,
        crate::setup::Registration,
        crate::setup::Verification,
        crate::setup::SetupSaved,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn bindings_are_current() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings.ts");
        let want = super::bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).expect("write ui/src/bindings.ts");
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/bindings.ts is out of date with the Rust types; regenerate it with `UPDATE_BINDINGS=1 cargo test -p rolesync-app bindings`"
        );
    }
}
