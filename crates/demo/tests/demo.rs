//! The demo shows every kind of action and reason, and a second sync finds nothing to do.
#![allow(clippy::unwrap_used, missing_docs)]

use rolesync_core::engine::{Engine, RunOptions};
use rolesync_core::events::ignore_events;
use rolesync_core::plan::{ChangeReason, MatchedBy, SkipReason, UntouchedReason};
use rolesync_core::report::RunMode;

#[tokio::test]
async fn demo_plan_has_every_kind_of_action_and_reason() {
    let src = rolesync_demo::directory();
    let tgt = rolesync_core::memory::MemoryTarget::new(rolesync_demo::initial_tenant());
    let pol = rolesync_demo::policy();
    let engine = Engine {
        source: &src,
        target: &tgt,
        policy: &pol,
        transitive: true,
        journal: None,
    };
    let out = engine
        .run(
            &RunOptions {
                mode: RunMode::Plan,
                force: false,
                run_id: "p".into(),
                deadline: None,
            },
            &ignore_events,
        )
        .await;
    let plan = out.plan.unwrap();
    assert!(plan.stops.is_empty(), "{:?}", plan.stops);
    let role = |n: &str| plan.roles.iter().find(|r| r.role_name == n).unwrap();

    let ex = role("Exchange Administrator");
    let grants: Vec<_> = ex.grants.iter().map(|c| c.user.as_str()).collect();
    assert_eq!(
        grants,
        ["bob@contoso.com", "carol@contoso.com"],
        "carol comes through two nested groups with a cycle"
    );
    assert_eq!(ex.revokes[0].reason, ChangeReason::DisabledInAd);
    assert_eq!(ex.unchanged, ["alice@contoso.com"]);
    let skipped: Vec<_> = ex.skipped.iter().map(|s| s.reason.clone()).collect();
    assert!(skipped.contains(&SkipReason::Disabled));
    assert!(skipped.contains(&SkipReason::NotInEntra));
    assert!(skipped.contains(&SkipReason::NonRoutableUpn {
        suffix: "corp.local".into()
    }));
    let untouched: Vec<_> = ex.untouched.iter().map(|u| u.reason).collect();
    assert!(
        untouched.contains(&UntouchedReason::CloudOnly)
            && untouched.contains(&UntouchedReason::ServicePrincipal)
    );

    let hd = role("Helpdesk Administrator");
    assert!(hd.grants.iter().any(|c| c.user == "paula@contoso.com"
        && c.reason
            == ChangeReason::MemberOfGroup {
                matched_by: MatchedBy::Sid
            }));
    assert_eq!(hd.revokes[0].user, "oliver@contoso.com");
    assert!(hd
        .untouched
        .iter()
        .any(|u| u.reason == UntouchedReason::Guest));
    assert!(hd
        .untouched
        .iter()
        .any(|u| u.reason == UntouchedReason::Group));

    let ga = role("Global Administrator");
    assert!(ga
        .untouched
        .iter()
        .any(|u| u.reason == UntouchedReason::Protected));

    let sr = role("Security Reader");
    assert_eq!(sr.revokes[0].user, "ivan@contoso.com");
    assert!(sr
        .untouched
        .iter()
        .any(|u| u.reason == UntouchedReason::PimActivation));

    assert_eq!(plan.unmapped_groups.len(), 1);
    assert_eq!(plan.unmapped_groups[0].name, "Coffee Machine Admins");
}
