//! Golden JSON plans: the serialised plan is part of the contract (the GUI, the report and
//! scripts read it). Set `UPDATE_GOLDEN=1` to rewrite the files after an intended change.

use crate::fixture::*;
use rolesync_core::plan::plan;
use rolesync_core::policy::{ExplicitMapping, GroupRef};
use rolesync_core::tenant::AssignmentKind;
use std::path::PathBuf;

fn check_golden(name: &str, value: &impl serde::Serialize) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let actual = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs; if the change is intended, rerun with UPDATE_GOLDEN=1",
        path.display()
    );
}

#[test]
fn mixed_plan_matches_golden() {
    let (alice, dave, oliver, gina, ivan, henry) = (
        synced(1, "alice"),
        synced(4, "dave"),
        synced(9, "oliver"),
        synced(6, "gina"),
        synced(8, "ivan"),
        synced(7, "henry"),
    );
    let bg = cloud(10, "breakglass@contoso.onmicrosoft.com");
    let d = snapshot(vec![
        group(
            "Exchange Administrator",
            vec![
                ad(1, "alice"),
                ad(2, "bob"),
                disabled(ad(4, "dave")),
                ad(5, "erin"),
                ad(16, "frank@corp.local"),
            ],
        ),
        group("Global Administrator", vec![ad(1, "alice")]),
        group("Helpdesk Administrator", vec![ad(2, "bob")]),
        group("Security Reader", vec![ad(6, "gina"), ad(7, "henry")]),
        group("Coffee Admins", vec![ad(2, "bob")]),
    ]);
    let t = tenant(
        vec![
            alice.clone(),
            synced(2, "bob"),
            dave.clone(),
            oliver.clone(),
            gina.clone(),
            henry.clone(),
            ivan.clone(),
        ],
        vec![
            active("Exchange Administrator", &alice),
            active("Exchange Administrator", &dave),
            active("Global Administrator", &alice),
            active("Global Administrator", &bg),
            active("Helpdesk Administrator", &oliver),
            eligible("Security Reader", &gina),
            eligible("Security Reader", &henry),
            activated("Security Reader", &henry),
            eligible("Security Reader", &ivan),
        ],
    );
    let mut pol = policy();
    pol.mapping.explicit.push(ExplicitMapping {
        group: GroupRef::Name("Security Reader".into()),
        role: None,
        kind: AssignmentKind::Eligible,
        allow_empty: false,
        scope: Default::default(),
    });
    check_golden("mixed-plan.json", &plan(&d, &t, &pol));
}

#[test]
fn stopped_plan_matches_golden() {
    let holders: Vec<_> = (1..=12).map(|i| synced(i, &format!("user{i}"))).collect();
    let d = snapshot(vec![
        group("User Administrator", vec![ad(1, "user1")]),
        group("Exchange Administrator", vec![]),
    ]);
    let mut asg: Vec<_> = holders
        .iter()
        .map(|u| active("User Administrator", u))
        .collect();
    asg.push(active("Exchange Administrator", &holders[0]));
    check_golden(
        "stopped-plan.json",
        &plan(&d, &tenant(holders, asg), &policy()),
    );
}
