//! The test directory, generated as LDIF (deterministic): the role OU with role groups, users in
//! several OUs (disabled ones, `.local` UPNs, one with `mS-DS-ConsistencyGuid`), a 3,000-member
//! group, and nested groups three deep with a cycle.

use base64::Engine;
use std::fmt::Write;

pub const BASE: &str = "DC=contoso,DC=test";
pub const ROLES_OU: &str = "OU=Office 365 Roles Management,DC=contoso,DC=test";
pub const BULK_OU: &str = "OU=Bulk,DC=contoso,DC=test";
pub const BIG: usize = 3000;
pub const ADMIN_UPN: &str = "Administrator@contoso.test";
pub const ADMIN_PASS: &str = "RoleSync-Test-Pw1!";

/// The consistency GUID given to `dave` (raw AD byte order).
pub const DAVE_CONSISTENCY: [u8; 16] = [
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
];

pub fn role(cn: &str) -> String {
    format!("CN={cn},{ROLES_OU}")
}

pub fn user_dn(sam: &str) -> String {
    match sam {
        "erin" | "frank" => format!("CN={sam},OU=Contractors,{BASE}"),
        s if s.starts_with("bulk") => format!("CN={s},{BULK_OU}"),
        s => format!("CN={s},OU=Staff,{BASE}"),
    }
}

pub fn nested(cn: &str) -> String {
    format!("CN={cn},OU=Nested Groups,{BASE}")
}

pub fn bulk_name(i: usize) -> String {
    format!("bulk{i:05}")
}

pub const CONTACT: &str = "CN=Outside Contact,OU=Contractors,DC=contoso,DC=test";
pub const EXTRA_GROUP: &str = "CN=Security Reader,OU=Staff,DC=contoso,DC=test";

/// (sAMAccountName, UPN, enabled)
pub const PEOPLE: &[(&str, &str, bool)] = &[
    ("alice", "alice@contoso.test", true),
    ("bob", "bob@contoso.local", true),
    ("carol", "carol@contoso.test", false),
    ("dave", "dave@contoso.test", true),
    ("erin", "erin@contoso.test", true),
    ("frank", "frank@contoso.local", true),
    ("grace", "grace@contoso.test", true),
    ("heidi", "heidi@contoso.test", false),
    ("ivan", "ivan@contoso.test", true),
];

fn ou(out: &mut String, name: &str) {
    let _ = writeln!(
        out,
        "dn: OU={name},{BASE}\nobjectClass: top\nobjectClass: organizationalUnit\nou: {name}\n"
    );
}

fn user(out: &mut String, sam: &str, upn: &str, enabled: bool, extra: &str) {
    let uac = if enabled { 512 } else { 514 };
    let _ = writeln!(
        out,
        "dn: {}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\ncn: {sam}\nsAMAccountName: {sam}\nuserPrincipalName: {upn}\nmail: {sam}@contoso.test\nuserAccountControl: {uac}\n{extra}",
        user_dn(sam)
    );
}

fn group(out: &mut String, dn: &str, cn: &str, members: &[String]) {
    let _ = writeln!(
        out,
        "dn: {dn}\nobjectClass: top\nobjectClass: group\ncn: {cn}\nsAMAccountName: {}",
        cn.replace(' ', "-")
    );
    for m in members {
        let _ = writeln!(out, "member: {m}");
    }
    out.push('\n');
}

/// Entries for `ldbadd` (targets of `member` come first).
pub fn add_ldif() -> String {
    let mut o = String::new();
    for name in [
        "Office 365 Roles Management",
        "Staff",
        "Contractors",
        "Bulk",
        "Nested Groups",
    ] {
        ou(&mut o, name);
    }
    for (sam, upn, enabled) in PEOPLE {
        let extra = if *sam == "dave" {
            format!(
                "mS-DS-ConsistencyGuid:: {}\n",
                base64::engine::general_purpose::STANDARD.encode(DAVE_CONSISTENCY)
            )
        } else {
            String::new()
        };
        user(&mut o, sam, upn, *enabled, &extra);
    }
    for i in 1..=BIG {
        let n = bulk_name(i);
        user(&mut o, &n, &format!("{n}@contoso.test"), true, "");
    }
    let _ = writeln!(
        o,
        "dn: {CONTACT}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: contact\ncn: Outside Contact\n"
    );
    group(
        &mut o,
        &nested("Nested-C"),
        "Nested-C",
        &[user_dn("grace"), user_dn("heidi")],
    );
    group(
        &mut o,
        &nested("Nested-B"),
        "Nested-B",
        &[user_dn("frank"), nested("Nested-C")],
    );
    group(
        &mut o,
        &nested("Nested-A"),
        "Nested-A",
        &[user_dn("erin"), nested("Nested-B")],
    );
    group(
        &mut o,
        &role("Exchange Administrator"),
        "Exchange Administrator",
        &[
            user_dn("alice"),
            user_dn("bob"),
            user_dn("carol"),
            CONTACT.to_string(),
        ],
    );
    group(
        &mut o,
        &role("Global Administrator"),
        "Global Administrator",
        &[user_dn("alice"), user_dn("dave"), nested("Nested-A")],
    );
    let bulk: Vec<String> = (1..=BIG).map(|i| user_dn(&bulk_name(i))).collect();
    group(
        &mut o,
        &role("Helpdesk Administrator"),
        "Helpdesk Administrator",
        &bulk,
    );
    group(
        &mut o,
        &role("Printer Wranglers"),
        "Printer Wranglers",
        &[user_dn("ivan")],
    );
    group(&mut o, EXTRA_GROUP, "Security Reader", &[user_dn("grace")]);
    o
}

/// Changes for `ldbmodify`: closes the cycle Nested-A → B → C → A.
pub fn modify_ldif() -> String {
    format!(
        "dn: {}\nchangetype: modify\nadd: member\nmember: {}\n\n",
        nested("Nested-C"),
        nested("Nested-A")
    )
}
