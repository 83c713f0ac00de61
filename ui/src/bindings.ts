// Generated from the Rust types by ts-rs (src-tauri/src/desktop/types.rs). Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test --bin rolesync bindings

export type Dn = string;

export type EntraObjectId = string;

export type RoleDefinitionId = string;

export type AssignmentKind = "active" | "eligible";

export type Step = "readDirectory" | "readEntra" | "plan" | "safety" | "apply" | "report" | "email";

export type StepStatus = "ok" | "partial" | "failed" | "stopped" | "skipped";

export type Action = "grant" | "revoke";

export type MatchedBy = "sourceAnchor" | "sid" | "upn";

export type ChangeReason = { "code": "memberOfGroup", 
/**
 * How the user was matched.
 */
matchedBy: MatchedBy, } | { "code": "notInGroup" } | { "code": "disabledInAd" };

export type Change = { 
/**
 * Grant or revoke.
 */
action: Action, 
/**
 * Active or eligible.
 */
kind: AssignmentKind, 
/**
 * The role.
 */
roleId: RoleDefinitionId, 
/**
 * The role's name.
 */
roleName: string, 
/**
 * The user's object id.
 */
principalId: EntraObjectId, 
/**
 * The user's UPN.
 */
user: string, 
/**
 * The assignment to remove (revokes of active assignments).
 */
assignmentId: string | null, 
/**
 * Why.
 */
reason: ChangeReason, };

export type SkipReason = { "code": "disabled" } | { "code": "notInEntra" } | { "code": "nonRoutableUpn", 
/**
 * The suffix, e.g. `corp.local`.
 */
suffix: string, } | { "code": "matchNotSynced" } | { "code": "anchorMismatch" };

export type Skipped = { 
/**
 * The AD user (UPN, else sAMAccountName, else DN).
 */
user: string, 
/**
 * The reason, machine-readable.
 */
reason: SkipReason, 
/**
 * The reason in words.
 */
message: string, };

export type UntouchedReason = "cloudOnly" | "noLongerSynced" | "guest" | "group" | "servicePrincipal" | "otherObject" | "protected" | "pimActivation" | "otherKind";

export type Untouched = { 
/**
 * The principal.
 */
principal: string, 
/**
 * Its assignment kind.
 */
kind: AssignmentKind, 
/**
 * Why it is left alone.
 */
reason: UntouchedReason, };

export type RolePlan = { 
/**
 * Role id.
 */
roleId: RoleDefinitionId, 
/**
 * Role name.
 */
roleName: string, 
/**
 * Governing groups.
 */
groups: Array<Dn>, 
/**
 * Active or eligible.
 */
kind: AssignmentKind, 
/**
 * Assignments to create.
 */
grants: Array<Change>, 
/**
 * Assignments to remove.
 */
revokes: Array<Change>, 
/**
 * Members who already hold the role.
 */
unchanged: Array<string>, 
/**
 * Members who get no change, with reasons.
 */
skipped: Array<Skipped>, 
/**
 * Holders left alone, with reasons.
 */
untouched: Array<Untouched>, 
/**
 * Synced users holding the role (the base of the revoke share).
 */
managedHolders: number, };

export type StopKind = { "code": "sourceIncomplete" } | { "code": "mappingProblem" } | { "code": "revokeLimit", 
/**
 * Planned revokes.
 */
revokes: number, 
/**
 * Managed holders.
 */
managed: number, } | { "code": "emptyGroup" } | { "code": "lastGlobalAdministrator" };

export type SafetyStop = { 
/**
 * The role concerned, if one.
 */
role: string | null, 
/**
 * What is wrong and how to proceed.
 */
message: string, 
/**
 * True when `--force` (or the GUI's confirmation) may override it.
 */
overridable: boolean, } & ({ "code": "sourceIncomplete" } | { "code": "mappingProblem" } | { "code": "revokeLimit", 
/**
 * Planned revokes.
 */
revokes: number, 
/**
 * Managed holders.
 */
managed: number, } | { "code": "emptyGroup" } | { "code": "lastGlobalAdministrator" });

export type PlanSummary = { 
/**
 * Roles mapped.
 */
roles: number, 
/**
 * Grants planned.
 */
grants: number, 
/**
 * Revokes planned.
 */
revokes: number, 
/**
 * Members already holding their role.
 */
unchanged: number, 
/**
 * Members skipped.
 */
skipped: number, 
/**
 * Holders left alone.
 */
untouched: number, 
/**
 * Groups mapping to nothing.
 */
unmappedGroups: number, };

export type UnmappedGroup = { 
/**
 * The group.
 */
group: Dn, 
/**
 * Its name.
 */
name: string, 
/**
 * Why it maps to nothing, and what would fix it.
 */
reason: string, };

export type Plan = { 
/**
 * Totals.
 */
summary: PlanSummary, 
/**
 * Per role, sorted by role name.
 */
roles: Array<RolePlan>, 
/**
 * Groups that map to no role.
 */
unmappedGroups: Array<UnmappedGroup>, 
/**
 * Safety stops; the plan may be applied only when this is empty or every stop is overridden.
 */
stops: Array<SafetyStop>, };

export type ChangeOutcome = { "result": "done" } | { "result": "alreadyDone" } | { "result": "failed", 
/**
 * HTTP status or error code.
 */
code: string, 
/**
 * Error message.
 */
message: string, };

export type SyncEvent = { "event": "stepStarted", 
/**
 * Which.
 */
step: Step, } | { "event": "stepFinished", 
/**
 * Which.
 */
step: Step, 
/**
 * How.
 */
status: StepStatus, 
/**
 * How long it took.
 */
durationMs: number, 
/**
 * Counts or error in words.
 */
detail: string, } | { "event": "planned", 
/**
 * Its totals.
 */
summary: PlanSummary, } | { "event": "changeApplied", 
/**
 * Grant or revoke.
 */
action: Action, 
/**
 * Role name.
 */
role: string, 
/**
 * User.
 */
user: string, 
/**
 * Result.
 */
outcome: ChangeOutcome, 
/**
 * Changes finished so far.
 */
done: number, 
/**
 * Changes in all.
 */
total: number, };

export type RunMode = "plan" | "dryRun" | "apply";

export type Outcome = "noChanges" | "planned" | "applied" | "appliedWithFailures" | "stopped" | "readFailed";

export type StepReport = { 
/**
 * Which step.
 */
step: Step, 
/**
 * Its name in words.
 */
name: string, 
/**
 * How it ended.
 */
status: StepStatus, 
/**
 * Duration in milliseconds.
 */
durationMs: number, 
/**
 * Counts, or the error in words.
 */
detail: string, };

export type ItemReport = { 
/**
 * The user.
 */
user: string, 
/**
 * The outcome; absent when the change was only planned.
 */
outcome: ChangeOutcome | null, };

export type RoleReport = { 
/**
 * Role name.
 */
role: string, 
/**
 * Governing groups.
 */
groups: Array<Dn>, 
/**
 * Active or eligible.
 */
kind: AssignmentKind, 
/**
 * Grants (planned, or with their outcome).
 */
grants: Array<ItemReport>, 
/**
 * Revokes (planned, or with their outcome).
 */
revokes: Array<ItemReport>, 
/**
 * Members already holding the role.
 */
unchanged: Array<string>, 
/**
 * Members skipped, with reasons.
 */
skipped: Array<Skipped>, 
/**
 * Holders left alone, with reasons.
 */
untouched: Array<Untouched>, };

export type ReportSummary = { 
/**
 * Grants applied (or planned, when nothing was applied).
 */
granted: number, 
/**
 * Revokes applied (or planned).
 */
revoked: number, 
/**
 * Members unchanged.
 */
unchanged: number, 
/**
 * Members skipped.
 */
skipped: number, 
/**
 * Changes that failed.
 */
failed: number, };

export type RunReport = { 
/**
 * Unique id of the run (also in every audit line).
 */
runId: string, 
/**
 * Start time.
 */
started: string, 
/**
 * End time.
 */
finished: string, 
/**
 * What was asked.
 */
mode: RunMode, 
/**
 * `--force` given.
 */
forced: boolean, 
/**
 * How it ended.
 */
outcome: Outcome, 
/**
 * The process exit code this outcome maps to.
 */
exitCode: number, 
/**
 * The directory source.
 */
source: string, 
/**
 * The role target.
 */
target: string, 
/**
 * Steps in order.
 */
steps: Array<StepReport>, 
/**
 * Totals.
 */
summary: ReportSummary, 
/**
 * Per role.
 */
roles: Array<RoleReport>, 
/**
 * Groups mapping to no role.
 */
unmappedGroups: Array<UnmappedGroup>, 
/**
 * Safety stops met.
 */
stops: Array<SafetyStop>, 
/**
 * The error that ended the run early, if any.
 */
error: string | null, 
/**
 * Problems around the run that did not stop it, such as a configuration or log folder that
 * others can change (named, with the fix).
 */
warnings: Array<string>, };

export type ErrorCode = "config" | "read" | "signIn" | "cancelled" | "credentials" | "busy" | "io";

export type UiError = { 
/**
 * What kind.
 */
code: ErrorCode, 
/**
 * What went wrong and what to do.
 */
message: string, };

export type RunSummary = { 
/**
 * The report file.
 */
file: string, 
/**
 * The run id.
 */
runId: string, 
/**
 * When it started.
 */
started: string, 
/**
 * Plan, dry run or sync.
 */
mode: RunMode, 
/**
 * How it ended.
 */
outcome: Outcome, 
/**
 * `--force` / "apply anyway".
 */
forced: boolean, 
/**
 * The report's headline.
 */
headline: string, 
/**
 * Totals.
 */
summary: ReportSummary, };

export type AppInfo = { 
/**
 * Running on the built-in demo directory and tenant.
 */
demo: boolean, 
/**
 * Why demo mode is on, in words.
 */
demoReason: string | null, 
/**
 * The app version.
 */
version: string, 
/**
 * The configuration file.
 */
configFile: string, 
/**
 * Whether it exists.
 */
configExists: boolean, 
/**
 * Logs, reports and the audit file.
 */
logDir: string, 
/**
 * The latest run in the reports folder.
 */
lastRun: RunSummary | null, 
/**
 * The configuration or log places that others can change, each with its fix.
 */
warnings: Array<string>, };

export type SignInMethod = "interactive" | "credential" | "reused";

export type Question = { "type": "mfa", 
/**
 * Seconds until Yes.
 */
timeoutSecs: number, } | { "type": "account", 
/**
 * `office365`, `smtp` or `ldap`.
 */
credential: string, 
/**
 * The credential's name in words.
 */
label: string, 
/**
 * What to enter.
 */
prompt: string, 
/**
 * A hint (demo mode: any account is accepted).
 */
note: string | null, } | { "type": "secret", 
/**
 * `office365`, `smtp` or `ldap`.
 */
credential: string, 
/**
 * The credential's name in words.
 */
label: string, 
/**
 * What to enter.
 */
prompt: string, 
/**
 * For which account.
 */
account: string, 
/**
 * A hint.
 */
note: string | null, } | { "type": "save", 
/**
 * `office365`, `smtp` or `ldap`.
 */
credential: string, 
/**
 * The credential's name in words.
 */
label: string, 
/**
 * Where it would be saved.
 */
keyring: string, };

export type Prompt = { 
/**
 * Answer with this id.
 */
id: number, 
/**
 * The question.
 */
question: Question, };

export type Answer = { "type": "yes" } | { "type": "no" } | { "type": "text", 
/**
 * The text.
 */
value: string, } | { "type": "cancel" };

export type RunMessage = { "kind": "prompt", 
/**
 * The question.
 */
prompt: Prompt, } | { "kind": "promptClosed", 
/**
 * Which.
 */
id: number, 
/**
 * What it was answered with.
 */
answered: string, } | { "kind": "signedIn", 
/**
 * How.
 */
method: SignInMethod, 
/**
 * As whom.
 */
account: string, 
/**
 * In words.
 */
detail: string, } | { "kind": "deviceCode", 
/**
 * The code.
 */
userCode: string, 
/**
 * Where to enter it.
 */
url: string, } | { "kind": "progress", 
/**
 * The event.
 */
event: SyncEvent, };

export type RunRequest = { 
/**
 * `plan` (preview) or `apply`.
 */
mode: RunMode, 
/**
 * "Apply anyway": go past overridable safety limits.
 */
force: boolean, 
/**
 * Use this window's earlier sign-in instead of asking again (apply from the preview).
 */
reuseSignIn: boolean, };

export type RunResult = { 
/**
 * The report.
 */
report: RunReport, 
/**
 * The plan, when reading succeeded.
 */
plan: Plan | null, 
/**
 * The report file (not for previews).
 */
reportFile: string | null, };

export type CredentialInfo = { 
/**
 * `office365`, `smtp` or `ldap`.
 */
name: string, 
/**
 * In words.
 */
label: string, 
/**
 * Saved in the keyring.
 */
saved: boolean, };

export type CredentialList = { 
/**
 * The keyring in use.
 */
keyring: string, 
/**
 * Whether saved credentials survive a reboot.
 */
survivesReboot: boolean, 
/**
 * Each credential.
 */
items: Array<CredentialInfo>, };

export type LogLine = { 
/**
 * Timestamp as written.
 */
time: string, 
/**
 * ERROR, WARN, INFO, DEBUG or TRACE.
 */
level: string, 
/**
 * The message and its fields.
 */
message: string, };

export type LogView = { 
/**
 * The newest log file.
 */
file: string | null, 
/**
 * Its lines (the last few thousand).
 */
lines: Array<LogLine>, };

export type MappingForm = { 
/**
 * Group DN or name.
 */
group: string, 
/**
 * Role name or id (empty: the group's name).
 */
role: string, 
/**
 * `active`, `eligible` or empty.
 */
kind: string, 
/**
 * Allow revoking every member when the group is empty.
 */
allowEmpty: boolean, };

export type SettingsForm = { 
/**
 * `directory.url`.
 */
directoryUrl: string, 
/**
 * `directory.bind`.
 */
directoryBind: string, 
/**
 * `directory.base_dn`.
 */
directoryBaseDn: string, 
/**
 * `directory.ou`.
 */
directoryOu: string, 
/**
 * `directory.nested`.
 */
directoryNested: boolean, 
/**
 * `directory.start_tls`.
 */
directoryStartTls: boolean, 
/**
 * `directory.ldif`.
 */
directoryLdif: string, 
/**
 * `entra.tenant`.
 */
entraTenant: string, 
/**
 * `entra.client_id`.
 */
entraClientId: string, 
/**
 * `entra.sign_in`.
 */
entraSignIn: string, 
/**
 * `entra.certificate`.
 */
entraCertificate: string, 
/**
 * `entra.username`.
 */
entraUsername: string, 
/**
 * `mapping.prefix`.
 */
mappingPrefix: string, 
/**
 * `mapping.match_by_upn`.
 */
mappingMatchByUpn: boolean, 
/**
 * `mapping.default_kind`.
 */
mappingDefaultKind: string, 
/**
 * `[[mappings]]`.
 */
mappings: Array<MappingForm>, 
/**
 * `safety.max_revokes`.
 */
safetyMaxRevokes: number, 
/**
 * `safety.max_revoke_percent`.
 */
safetyMaxRevokePercent: number, 
/**
 * `safety.protected`.
 */
safetyProtected: Array<string>, 
/**
 * Whether `[email]` is present.
 */
emailEnabled: boolean, 
/**
 * `email.server`.
 */
emailServer: string, 
/**
 * `email.port`.
 */
emailPort: number, 
/**
 * `email.security`.
 */
emailSecurity: string, 
/**
 * `email.from`.
 */
emailFrom: string, 
/**
 * `email.to`.
 */
emailTo: Array<string>, 
/**
 * `email.username`.
 */
emailUsername: string, 
/**
 * `logging.level`.
 */
loggingLevel: string, 
/**
 * `logging.folder`.
 */
loggingFolder: string, };

export type FieldError = { 
/**
 * The dotted key (`safety.max_revoke_percent`, `mappings[0].role`).
 */
key: string, 
/**
 * What is wrong.
 */
message: string, 
/**
 * How to fix it.
 */
fix: string, };

export type SettingsState = { 
/**
 * The file.
 */
file: string, 
/**
 * Whether it exists.
 */
exists: boolean, 
/**
 * The values.
 */
form: SettingsForm, 
/**
 * The core's validation messages; empty when valid.
 */
errors: Array<FieldError>, 
/**
 * Whether this call wrote the file.
 */
saved: boolean, };

