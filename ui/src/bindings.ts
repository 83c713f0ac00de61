// Generated from the Rust types by ts-rs (crates/app/src/bindings.rs). Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p rolesync-app bindings

export type Dn = string;

export type EntraObjectId = string;

export type RoleDefinitionId = string;

export type AssignmentKind = "active" | "eligible";

export type Step = "readDirectory" | "readEntra" | "plan" | "safety" | "apply" | "report" | "email";

export type StepStatus = "ok" | "partial" | "failed" | "stopped" | "skipped";

export type Action = "grant" | "renew" | "revoke";

export type MatchedBy = "sourceAnchor" | "sid" | "upn";

export type ChangeReason = { "code": "memberOfGroup", 
/**
 * How the user was matched.
 */
matchedBy: MatchedBy, } | { "code": "notInGroup" } | { "code": "disabledInAd" } | { "code": "endsSoon", 
/**
 * When it ends.
 */
ends: string, } | { "code": "undoOf", 
/**
 * The run undone.
 */
runId: string, };

export type PimRequest = { 
/**
 * `afterDuration` with this length; `None`: `noExpiration`.
 */
duration?: string, 
/**
 * Send `ticketInfo` (system `RoleSync`, number the run id).
 */
ticket: boolean, 
/**
 * The justification: the group and the run id (set when the run stamps the plan).
 */
justification: string, 
/**
 * The run id (set when the run stamps the plan).
 */
runId: string, };

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
 * Where the role is assigned: `/` (the tenant, left out of JSON) or
 * `/administrativeUnits/{id}`.
 */
directoryScopeId: string | undefined, 
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
reason: ChangeReason, 
/**
 * Written as a PIM schedule request with this expiration, justification and ticket
 * (eligible changes, and active ones where PIM governs the role); `None`: a direct role
 * assignment.
 */
pim: PimRequest | null, };

export type SkipReason = { "code": "disabled" } | { "code": "notInEntra" } | { "code": "nonRoutableUpn", 
/**
 * The suffix, e.g. `corp.local`.
 */
suffix: string, } | { "code": "matchNotSynced" } | { "code": "anchorMismatch" } | { "code": "driftKept" } | { "code": "notUndone" };

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

export type UntouchedReason = "cloudOnly" | "noLongerSynced" | "guest" | "group" | "servicePrincipal" | "otherObject" | "protected" | "pimActivation" | "otherKind" | "notOwned" | "driftKept";

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

export type PimRule = { 
/**
 * The setting as the PIM role settings page names it.
 */
setting: string, 
/**
 * The Microsoft Graph rule it is (`Expiration_Admin_Eligibility`).
 */
ruleId: string, 
/**
 * Its value and what RoleSync does, in words.
 */
detail: string, 
/**
 * RoleSync can meet it.
 */
ok: boolean, 
/**
 * What to change when it cannot.
 */
fix: string | null, };

export type HoldScope = "grantsAndRenewals" | "everything";

export type PimHold = { 
/**
 * Which changes.
 */
scope: HoldScope, 
/**
 * Why, in words.
 */
message: string, 
/**
 * What to change.
 */
fix: string, };

export type RolePim = { 
/**
 * The settings that apply to the mapping's kind.
 */
rules: Array<PimRule>, 
/**
 * Changes not attempted, and why.
 */
hold: PimHold | null, };

export type Expiration = { 
/**
 * The user.
 */
user: string, 
/**
 * When the assignment ends.
 */
ends: string, 
/**
 * This plan renews it.
 */
renew: boolean, };

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
 * Where the role is assigned: `/` (left out of JSON) or `/administrativeUnits/{id}`.
 */
directoryScopeId: string | undefined, 
/**
 * The administrative unit's display name, for an administrative-unit scope.
 */
scopeName?: string, 
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
 * Time-bound assignments to extend before they end.
 */
renewals: Array<Change>, 
/**
 * Assignments to remove.
 */
revokes: Array<Change>, 
/**
 * Changes not attempted because of the role's PIM settings ([`RolePim::hold`]).
 */
held: Array<Change>, 
/**
 * Grants that wait for a second person's approval (`safety.require_approval`,
 * [`crate::approval`]); not applied by this run.
 */
awaitingApproval: Array<Change>, 
/**
 * The role's PIM settings and what RoleSync does about them (roles PIM governs, and
 * eligible mappings).
 */
pim: RolePim | null, 
/**
 * Managed assignments with an end date, soonest first.
 */
expirations: Array<Expiration>, 
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
managed: number, } | { "code": "emptyGroup" } | { "code": "lastGlobalAdministrator" } | { "code": "protectedNotFound" };

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
managed: number, } | { "code": "emptyGroup" } | { "code": "lastGlobalAdministrator" } | { "code": "protectedNotFound" });

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
 * Renewals planned.
 */
renewals: number, 
/**
 * Changes held back by PIM settings.
 */
held: number, 
/**
 * Grants waiting for approval.
 */
awaitingApproval: number, 
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
unmappedGroups: number, 
/**
 * Mappings that get nothing written because their administrative unit does not exist.
 */
skippedMappings: number | undefined, };

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

export type SkippedMapping = { 
/**
 * The group.
 */
group: Dn, 
/**
 * The role's name.
 */
role: string, 
/**
 * The scope as the configuration names it (`administrative unit "Europe"`).
 */
scope: string, 
/**
 * Why, and what would fix it.
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
 * Mappings that get nothing written because their administrative unit does not exist.
 */
skippedMappings: Array<SkippedMapping> | undefined, 
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

export type ReadErrorKind = "signIn" | "permission" | "network" | "throttled" | "notFound" | "partial" | "other";

export type WaitReason = "writeBudget" | "readBudget" | "throttled" | "retry";

export type Waiting = { 
/**
 * Why.
 */
reason: WaitReason, 
/**
 * When the next changes go, from now.
 */
resumeInMs: number, };

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
total: number, } | { "event": "applyProgress", 
/**
 * Changes finished so far.
 */
done: number, 
/**
 * Changes in all.
 */
total: number, 
/**
 * Estimated time until the last change is applied, from the target's model of its
 * budget (Graph: Microsoft's throttling limits as the client paces itself); `None` when
 * the target has no model.
 */
etaMs: number | null, 
/**
 * Changes are being held back: why, and when the next ones go.
 */
waiting: Waiting | null, };

export type RunMode = "plan" | "dryRun" | "apply";

export type Outcome = "noChanges" | "planned" | "applied" | "appliedWithFailures" | "stopped" | "pendingApproval" | "readFailed";

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

export type HeldItem = { 
/**
 * The user.
 */
user: string, 
/**
 * What was held back.
 */
action: Action, };

export type RoleReport = { 
/**
 * Role name.
 */
role: string, 
/**
 * Where the role is assigned: `/` (left out of JSON) or `/administrativeUnits/{id}`.
 */
directoryScopeId: string | undefined, 
/**
 * The administrative unit's display name, for an administrative-unit scope.
 */
scopeName?: string, 
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
 * Renewals of assignments that end soon (planned, or with their outcome).
 */
renewals: Array<ItemReport>, 
/**
 * Revokes (planned, or with their outcome).
 */
revokes: Array<ItemReport>, 
/**
 * Changes held back by the role's PIM settings.
 */
held: Array<HeldItem>, 
/**
 * Grants waiting for approval (`safety.require_approval`).
 */
awaitingApproval: Array<string>, 
/**
 * The role's PIM settings and what RoleSync does about them.
 */
pim: RolePim | null, 
/**
 * Managed assignments with an end date (upcoming expirations), soonest first.
 */
expirations: Array<Expiration>, 
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
 * Renewals applied (or planned).
 */
renewed: number, 
/**
 * Changes held back by PIM settings.
 */
held: number, 
/**
 * Changes waiting for approval.
 */
awaitingApproval: number, 
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

export type DriftChange = "added" | "removed";

export type DriftItem = { 
/**
 * The role.
 */
role: string, 
/**
 * Its id.
 */
roleId: RoleDefinitionId, 
/**
 * The principal (UPN or name).
 */
principal: string, 
/**
 * Its object id.
 */
principalId: EntraObjectId, 
/**
 * Active or eligible.
 */
kind: AssignmentKind, 
/**
 * Added or removed.
 */
change: DriftChange, 
/**
 * Who did it (a user's UPN, or an app's name), from the audit log; `None`: unknown.
 */
by: string | null, 
/**
 * When, from the audit log.
 */
when: string | null, 
/**
 * The audit log's activity (`Add member to role`).
 */
activity: string | null, 
/**
 * Why who and when are unknown, when they are.
 */
unknownBecause: string | null, 
/**
 * This run puts it right (`on_drift = "correct"` and the plan changes it back).
 */
corrected: boolean, };

export type PendingApproval = { 
/**
 * The held plan's id.
 */
id: string, 
/**
 * Why it waits, in words.
 */
reason: string, 
/**
 * Until when it can be approved.
 */
expires: string, 
/**
 * How many changes wait.
 */
changes: number, 
/**
 * The changes, one a line ([`describe`]).
 */
lines: Array<string>, 
/**
 * The command that approves it.
 */
command: string, };

export type HeldSummary = { 
/**
 * Grants.
 */
grants: number, 
/**
 * Renewals.
 */
renewals: number, 
/**
 * Revokes.
 */
revokes: number, };

export type Severity = "low" | "medium" | "high";

export type PrincipalKind = "user" | "group" | "computer" | "serviceAccount" | "foreignSecurityPrincipal" | "wellKnown" | "unknown" | "other";

export type FindingKind = "canChange" | "cannotSee" | "outsideRolesOu";

export type Right = "noDacl" | "fullControl" | "owner" | "writeDacl" | "writeOwner" | "genericWrite" | "writeAllProperties" | "writeMembershipSet" | "writeMember" | "addSelf";

export type FindingPrincipal = { 
/**
 * Its name (`sAMAccountName`, a well-known name, or the SID when unknown).
 */
name: string, 
/**
 * What it is.
 */
kind: PrincipalKind, 
/**
 * Its DN, when it has an object.
 */
dn?: string, 
/**
 * Its SID.
 */
sid?: string, 
/**
 * For accounts: enabled.
 */
enabled?: boolean, };

export type FindingGroup = { 
/**
 * Its name.
 */
name: string, 
/**
 * Its DN.
 */
dn: Dn, 
/**
 * It lies outside the roles OU.
 */
outsideRolesOu: boolean, };

export type ExposureFinding = { 
/**
 * How serious.
 */
severity: Severity, 
/**
 * What it says.
 */
kind: FindingKind, 
/**
 * Who (for [`FindingKind::CanChange`]).
 */
principal?: FindingPrincipal, 
/**
 * The groups through which the principal holds the right, innermost first, ending with
 * the trustee named in the ACE (empty: the ACE names the principal itself).
 */
via: Array<string>, 
/**
 * The right (for [`FindingKind::CanChange`]).
 */
right?: Right, 
/**
 * The right is the group manager's (`managedBy` with "Manager can update membership list").
 */
manager: boolean, 
/**
 * The group the right is on.
 */
group: FindingGroup, 
/**
 * From that group to the role group: the group, each group it is nested in, the role group.
 */
path: Array<string>, 
/**
 * The role group.
 */
roleGroup: Dn, 
/**
 * The roles that group decides.
 */
roles: Array<string>, 
/**
 * The finding in one line.
 */
message: string, };

export type ExposureReport = { 
/**
 * Every finding, most serious first.
 */
findings: Array<ExposureFinding>, 
/**
 * Role groups assessed.
 */
roleGroups: number, 
/**
 * Groups assessed (role groups and the groups nested in them).
 */
groups: number, 
/**
 * The expected Tier-0 trustees left out, as configured.
 */
expected: Array<string>, 
/**
 * The lowest severity that fails `rolesync exposure` (none: never).
 */
failAt?: Severity, 
/**
 * Why the assessment could not be made at all (the directory could not be read).
 */
error?: string, };

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
 * Mappings that got nothing written because their administrative unit does not exist.
 */
skippedMappings: Array<SkippedMapping> | undefined, 
/**
 * Safety stops met.
 */
stops: Array<SafetyStop>, 
/**
 * The error that ended the run early, if any.
 */
error: string | null, 
/**
 * What kind of read failure ended the run early, if one did.
 */
errorKind: ReadErrorKind | null, 
/**
 * Problems around the run that did not stop it, such as a configuration or log folder that
 * others can change (named, with the fix).
 */
warnings: Array<string>, 
/**
 * Who can change the role groups (`rolesync exposure`), assessed after a run that read a
 * domain controller.
 */
exposure?: ExposureReport, 
/**
 * Assignments in mapped roles that someone else added or removed since RoleSync's last
 * run, with who and when where Entra's audit log says ([`crate::drift`]).
 */
drift: Array<DriftItem>, 
/**
 * The plan this run saved for approval, when it saved one ([`crate::approval`]).
 */
approval: PendingApproval | null, };

export type Kind = { "type": "text" } | { "type": "flag" } | { "type": "number", 
/**
 * Smallest value.
 */
min: number, 
/**
 * Largest value.
 */
max: number, } | { "type": "list" } | { "type": "choice", 
/**
 * The words.
 */
choices: Array<string>, };

export type DefaultValue = { "type": "none" } | { "type": "flag", "value": boolean } | { "type": "number", "value": number } | { "type": "text", "value": string } | { "type": "derived" };

export type Setting = { 
/**
 * The key in its section (`url`).
 */
name: string, 
/**
 * Its kind.
 */
kind: Kind, 
/**
 * Its default.
 */
default: DefaultValue, 
/**
 * What the settings page calls it.
 */
label: string, 
/**
 * An example value, shown in an empty field.
 */
placeholder: string, 
/**
 * Rarely changed: the page shows it under "More settings".
 */
advanced: boolean, };

export type Section = { 
/**
 * The table's name.
 */
name: string, 
/**
 * What the settings page calls it.
 */
title: string, 
/**
 * `[[name]]`: any number of rows of these keys.
 */
rows: boolean, 
/**
 * The section may be left out as a whole (`[email]`: no mail); the page's switch says this.
 */
optional: string | null, 
/**
 * Its keys, in the file's order.
 */
settings: Array<Setting>, };

export type FieldValue = boolean | number | string | Array<string> | null;

export type SettingsForm = { 
/**
 * The keys of the tables, dotted (`safety.max_revokes`).
 */
values: { [key in string]?: FieldValue }, 
/**
 * Whether each optional section (`email`) is in the file.
 */
enabled: { [key in string]?: boolean }, 
/**
 * The rows of each array of tables (`mappings`).
 */
rows: { [key in string]?: Array<{ [key in string]?: FieldValue }> }, };

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

export type ErrorKind = "config" | "signIn" | "permission" | "network" | "throttled" | "notFound" | "partialRead" | "read" | "credentials" | "cancelled" | "busy" | "io" | "approval";

export type AppError = { 
/**
 * How it failed.
 */
code: ErrorKind, 
/**
 * What went wrong and how to fix it.
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

export type HeldStatus = "pending" | "expired" | "approving" | "approved" | "rejected" | "superseded";

export type HeldView = { 
/**
 * Its id (the run that held it).
 */
id: string, 
/**
 * Where it stands.
 */
status: HeldStatus, 
/**
 * When it was held.
 */
created: string, 
/**
 * Until when it can be approved.
 */
expires: string, 
/**
 * Who ran the sync that held it.
 */
createdBy: string, 
/**
 * Why it waits, in words.
 */
reason: string, 
/**
 * The changes, one a line.
 */
changes: Array<string>, 
/**
 * How many grants, renewals and revokes wait.
 */
summary: HeldSummary, 
/**
 * The changes themselves (the window's table).
 */
items: Array<Change>, 
/**
 * Who approved or rejected it, and when, when someone did.
 */
decided: string | null, 
/**
 * The file.
 */
file: string, };

export type Approvals = { 
/**
 * The held plans, newest first.
 */
plans: Array<HeldView>, 
/**
 * Held files that cannot be approved (edited by hand, damaged), each with why.
 */
refused: Array<string>, };

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

export type RunDetails = { 
/**
 * The run in the history's words.
 */
summary: RunSummary, 
/**
 * Its report.
 */
report: RunReport, 
/**
 * The log lines from its start to its end (the run's own lines).
 */
log: Array<LogLine>, };

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
warnings: Array<string>, 
/**
 * There is no configuration yet: the window opens on the setup page.
 */
setupNeeded: boolean, 
/**
 * How the next run signs in, in words (asked, or said without a question).
 */
signIn: string, };

export type SignInMethod = "interactive" | "credential" | "reused";

export type Question = { "type": "mfa", 
/**
 * Seconds until Yes.
 */
timeoutSecs: number, 
/**
 * What No signs in with, in words (the configured unattended sign-in).
 */
unattended: string, } | { "type": "account", 
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

export type StartRun = { 
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
saved: boolean, 
/**
 * The saved account (a user, a bind account, or a client id); never the secret.
 */
account: string | null, 
/**
 * What the account is (`UPN, or the application (client) ID for a client secret`).
 */
accountPrompt: string, 
/**
 * What the secret is.
 */
secretPrompt: string, };

export type CredentialList = { 
/**
 * The keyring in use.
 */
keyring: string, 
/**
 * Its short name (`secret-service`, `kernel`, `windows`, `macos`).
 */
keyringId: string, 
/**
 * Whether saved credentials survive a reboot.
 */
survivesReboot: boolean, 
/**
 * Each credential.
 */
items: Array<CredentialInfo>, };

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
 * Every setting, with its kind, default and label: the page draws its fields from this.
 */
schema: Array<Section>, 
/**
 * The values.
 */
form: SettingsForm, 
/**
 * The configuration crate's messages; empty when valid.
 */
errors: Array<FieldError>, 
/**
 * Whether this call wrote the file.
 */
saved: boolean, };

export type Frequency = "day" | "hour";

export type ScheduleAction = { "action": "install", 
/**
 * `HH:MM` of the (first) run.
 */
at: string, 
/**
 * How often.
 */
every: Frequency, 
/**
 * The account it runs as; the OS default when blank.
 */
runAs: string | null, } | { "action": "remove" } | { "action": "show" };

export type ScheduleRequest = { 
/**
 * Only say what would be done.
 */
print: boolean, } & ({ "action": "install", 
/**
 * `HH:MM` of the (first) run.
 */
at: string, 
/**
 * How often.
 */
every: Frequency, 
/**
 * The account it runs as; the OS default when blank.
 */
runAs: string | null, } | { "action": "remove" } | { "action": "show" });

export type SetupAnswers = { 
/**
 * The AD domain (`contoso.com`): its DCs are found in DNS.
 */
domain: string, 
/**
 * A fixed DC instead of discovery (`ldaps://dc1.contoso.com`).
 */
url: string, 
/**
 * `integrated` (Kerberos as the running account) or a bind account.
 */
bind: string, 
/**
 * StartTLS on port 389 instead of LDAPS.
 */
startTls: boolean, 
/**
 * The CA of the DCs' certificates (PEM), when the OS does not trust it.
 */
caFile: string, 
/**
 * The OU holding the role groups (blank: the default under the domain).
 */
ou: string, 
/**
 * A prefix before the role name in group names (`M365-`).
 */
prefix: string, 
/**
 * Groups matched by name become PIM-eligible assignments instead of active ones.
 */
eligible: boolean, 
/**
 * Accounts never revoked (break-glass), one per entry.
 */
protected: Array<string>, 
/**
 * The tenant (id or domain).
 */
tenant: string, 
/**
 * The app registration's client id.
 */
clientId: string, 
/**
 * The certificate file (PEM) RoleSync signs in with; blank on Windows (the store).
 */
certificate: string, 
/**
 * The certificate's thumbprint in LocalMachine\My (Windows).
 */
certificateThumbprint: string, 
/**
 * A person may also sign in interactively with MFA (the window asks).
 */
interactive: boolean, 
/**
 * National clouds or a local emulator: the sign-in endpoint (blank: Microsoft's global).
 */
loginUrl: string, 
/**
 * National clouds or a local emulator: Microsoft Graph (blank: follows `login_url`).
 */
graphUrl: string, 
/**
 * An extra CA for those endpoints (a TLS-inspecting proxy).
 */
entraCaFile: string, 
/**
 * Send an email report after each run.
 */
email: boolean, 
/**
 * SMTP server.
 */
smtpServer: string, 
/**
 * SMTP port (0: the usual one of the security).
 */
smtpPort: number, 
/**
 * `starttls`, `tls` or `none`.
 */
smtpSecurity: string, 
/**
 * Sender.
 */
mailFrom: string, 
/**
 * Recipients.
 */
mailTo: Array<string>, 
/**
 * SMTP account (its password is the `smtp` credential).
 */
smtpUsername: string, 
/**
 * The CA of the SMTP server's certificate (PEM).
 */
smtpCaFile: string, };

export type SetupSecrets = { 
/**
 * The bind account's password (`ldap`), when the bind is not integrated.
 */
ldapPassword: string | null, 
/**
 * The SMTP account's password (`smtp`).
 */
smtpPassword: string | null, };

export type SetupLine = { 
/**
 * Which part: `directory`, `tenant`, `signIn`, `permissions`, `mail`, `configuration`.
 */
part: string, 
/**
 * Passed.
 */
ok: boolean, 
/**
 * What was checked.
 */
title: string, 
/**
 * What was found.
 */
detail: string | null, 
/**
 * How to fix a failure.
 */
fix: string | null, };

export type CertificateInfo = { 
/**
 * The private PEM file (certificate and key); `None` when the key is in the Windows store.
 */
file: string | null, 
/**
 * The public certificate to upload (`.cer`, DER).
 */
publicFile: string, 
/**
 * The store it is in (`LocalMachine\My`), on Windows.
 */
store: string | null, 
/**
 * SHA-1 thumbprint, upper-case hex (what the admin center shows).
 */
thumbprint: string, 
/**
 * Its subject.
 */
subject: string, 
/**
 * Valid until (UTC, RFC 3339).
 */
notAfter: string, 
/**
 * The public certificate, base64 (the `key` of a Graph `keyCredential`).
 */
base64: string, };

export type SetupStart = { 
/**
 * The answers so far: from the existing configuration, else the suggestions (the domain
 * this machine is in, integrated sign-in, the certificate made earlier).
 */
answers: SetupAnswers, 
/**
 * Where the suggested domain came from, in words (empty when none was found).
 */
domainSource: string, 
/**
 * The configuration file the setup writes.
 */
configFile: string, 
/**
 * Whether it exists already (the setup then edits it).
 */
configExists: boolean, 
/**
 * The certificate made earlier, if any.
 */
certificate: CertificateInfo | null, 
/**
 * The keyring and the credentials saved in it.
 */
credentials: CredentialList | null, 
/**
 * This is Windows (the certificate goes into the LocalMachine\My store).
 */
windows: boolean, };

export type GroupRole = { 
/**
 * The group's name.
 */
name: string, 
/**
 * Its DN.
 */
dn: string, 
/**
 * The role it maps to, when one does.
 */
role: string | null, 
/**
 * Why it maps to none.
 */
reason: string | null, };

export type DirectoryFound = { 
/**
 * ✓ or ✗ with the fix: the DCs in DNS, the one that answered, the bind, the base, the OU.
 */
lines: Array<SetupLine>, 
/**
 * The search base (`DC=contoso,DC=com`), once a DC answered.
 */
baseDn: string | null, 
/**
 * The OUs under the base (the likely role OUs first).
 */
ous: Array<string>, 
/**
 * The OU the groups were read from (the one given, else the default when it exists).
 */
ou: string | null, 
/**
 * Its groups with their roles.
 */
groups: Array<GroupRole>, };

export type TenantFound = { 
/**
 * The tenant id, when the tenant was found.
 */
tenantId: string | null, 
/**
 * ✓ or ✗ with the fix.
 */
line: SetupLine, };

export type Registration = { 
/**
 * The Microsoft Graph application permissions RoleSync needs (admin consent required).
 */
permissions: Array<string>, 
/**
 * The certificate file to upload.
 */
certificateFile: string, 
/**
 * Its thumbprint, to recognise it in the admin center.
 */
thumbprint: string, 
/**
 * The redirect URI, when interactive sign-in is wanted.
 */
redirectUri: string | null, 
/**
 * The steps in the Entra admin center.
 */
steps: Array<string>, 
/**
 * The same with Microsoft Graph PowerShell.
 */
powershell: string, 
/**
 * The same with the Azure CLI (bash).
 */
azureCli: string, };

export type Verification = { 
/**
 * Every check, in order.
 */
lines: Array<SetupLine>, 
/**
 * The configuration crate's messages about the answers; empty when they make a valid file.
 */
errors: Array<FieldError>, 
/**
 * Every check passed and the configuration is valid.
 */
ok: boolean, };

export type SetupSaved = { 
/**
 * The configuration file.
 */
file: string, 
/**
 * Whether it was written (only a valid configuration is).
 */
saved: boolean, 
/**
 * The configuration crate's messages; empty when saved.
 */
errors: Array<FieldError>, 
/**
 * The credentials saved in the keyring (`ldap`, `smtp`).
 */
credentials: Array<string>, };

