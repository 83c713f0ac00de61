//! The built-in demo tenant "Contoso" used by the app's demo mode (also in
//! `fixtures/demo-tenant.json`).

use uuid::Uuid;

use crate::fixture::{
    FixtureApplication, FixtureGroup, FixtureRoleActivation, FixtureRoleAssignment,
    FixtureRoleEligibility, FixtureServicePrincipal, FixtureUser, TenantFixture, UserType,
    VerifiedDomain,
};
use crate::ids::immutable_id_from_guid;

/// The demo tenant's app-only registration (client credentials with a secret or the certificate).
pub const DEMO_APP_ID: &str = "11111111-1111-4111-8111-111111111111";
/// The demo app's client secret.
pub const DEMO_APP_SECRET: &str = "demo-secret-not-for-production";
/// The demo tenant's public client (interactive and device-code sign-in, redirect `http://localhost`).
pub const DEMO_PUBLIC_CLIENT_ID: &str = "22222222-2222-4222-8222-222222222222";
/// Certificate registered for the demo app-only application (public part).
pub const DEMO_APP_CERT_PEM: &str = include_str!("../fixtures/demo-app-cert.pem");
/// Private key of [`DEMO_APP_CERT_PEM`] (demo only, never use it for anything real).
pub const DEMO_APP_KEY_PEM: &str = include_str!("../fixtures/demo-app-key.pem");

const TENANT: &str = "8f3c1d2e-5a6b-4c7d-9e8f-0a1b2c3d4e5f";
const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const SEC_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const PRA: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";

fn oid(n: &str) -> String {
    format!("eeeeeeee-0000-4000-8000-0000000000{n}")
}

fn ad_guid(n: &str) -> Uuid {
    // AD objectGUID aaaaaaaa-0000-4000-8000-0000000000NN; the literal is well-formed.
    Uuid::parse_str(&format!("aaaaaaaa-0000-4000-8000-0000000000{n}")).unwrap_or_default()
}

fn synced(n: &str, sam: &str, name: &str, enabled: bool) -> FixtureUser {
    let upn = format!("{sam}@contoso.com");
    FixtureUser {
        id: oid(n),
        display_name: name.to_owned(),
        user_principal_name: upn.clone(),
        user_type: UserType::Member,
        account_enabled: enabled,
        on_premises_sync_enabled: Some(true),
        on_premises_immutable_id: Some(immutable_id_from_guid(&ad_guid(n))),
        on_premises_security_identifier: Some(format!(
            "S-1-5-21-1004336348-1177238915-682003330-{}",
            1100 + n.parse::<u32>().unwrap_or(0)
        )),
        on_premises_sam_account_name: Some(sam.to_owned()),
        on_premises_user_principal_name: Some(upn.clone()),
        on_premises_domain_name: Some("contoso.com".to_owned()),
        on_premises_distinguished_name: Some(format!("CN={name},OU=Staff,DC=contoso,DC=com")),
        mail: Some(upn),
        given_name: name.split(' ').next().map(str::to_owned),
        surname: name.split(' ').nth(1).map(str::to_owned),
        password: None,
        mfa_required: false,
    }
}

fn cloud(n: &str, upn: &str, name: &str) -> FixtureUser {
    FixtureUser {
        id: oid(n),
        display_name: name.to_owned(),
        user_principal_name: upn.to_owned(),
        mail: Some(upn.to_owned()),
        account_enabled: true,
        ..FixtureUser::default()
    }
}

fn assign(p: &str, r: &str) -> FixtureRoleAssignment {
    FixtureRoleAssignment {
        id: None,
        principal_id: p.to_owned(),
        role_definition_id: r.to_owned(),
        directory_scope_id: "/".to_owned(),
        ..Default::default()
    }
}

/// The demo tenant: Contoso with synced, cloud-only and guest users in a mix of active,
/// eligible and activated role assignments (some stale, so a sync has work to do), two app
/// registrations (app-only with a secret and a certificate; interactive public client) and
/// two password sign-in users.
pub fn demo_tenant() -> TenantFixture {
    let mut alice = synced("01", "alice", "Alice Anders", true);
    alice.password = Some("Demo-Passw0rd!".to_owned());
    alice.mfa_required = true;
    let mut paula = synced("14", "paula", "Paula Pérez", true);
    paula.on_premises_immutable_id = None;
    paula.on_premises_security_identifier =
        Some("S-1-5-21-1004336348-1177238915-682003330-1114".to_owned());
    let mut legacy = cloud("15", "legacy@contoso.com", "Legacy Admin");
    legacy.password = Some("Legacy-Passw0rd!".to_owned());
    let mut partner = cloud(
        "12",
        "partner_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        "Pat Partner (Fabrikam)",
    );
    partner.user_type = UserType::Guest;
    partner.mail = Some("partner@fabrikam.com".to_owned());
    let users = vec![
        alice,
        synced("02", "bob", "Bob Brown", true),
        synced("03", "carol", "Carol Chen", true),
        synced("04", "dave", "Dave Dorn", false),
        synced("06", "gina", "Gina Gomez", true),
        synced("07", "henry", "Henry Hill", true),
        synced("08", "ivan", "Ivan Ilic", true),
        synced("09", "oliver", "Oliver Olsen", true),
        cloud("10", "breakglass@contoso.onmicrosoft.com", "Break Glass"),
        cloud("11", "cloudadmin@contoso.onmicrosoft.com", "Cloud Admin"),
        partner,
        synced("13", "svc-monitor", "Monitoring Service", true),
        paula,
        legacy,
    ];
    let graph_perms: Vec<String> = [
        "RoleManagement.ReadWrite.Directory",
        "User.Read.All",
        "RoleEligibilitySchedule.ReadWrite.Directory",
        "RoleAssignmentSchedule.ReadWrite.Directory",
        "AdministrativeUnit.Read.All",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    TenantFixture {
        tenant_id: TENANT.to_owned(),
        display_name: "Contoso".to_owned(),
        verified_domains: vec![
            VerifiedDomain {
                name: "contoso.com".to_owned(),
                is_default: true,
                is_initial: false,
            },
            VerifiedDomain {
                name: "contoso.onmicrosoft.com".to_owned(),
                is_default: false,
                is_initial: true,
            },
        ],
        users,
        groups: vec![FixtureGroup {
            id: oid("b1"),
            display_name: "Cloud Helpdesk".to_owned(),
            description: Some("Role-assignable cloud group".to_owned()),
            security_enabled: true,
            mail_enabled: false,
            is_assignable_to_role: true,
            members: vec![oid("11")],
        }],
        service_principals: vec![
            FixtureServicePrincipal {
                id: oid("a1"),
                app_id: "33333333-3333-4333-8333-333333333333".to_owned(),
                display_name: "Contoso Mail Connector".to_owned(),
            },
            FixtureServicePrincipal {
                id: oid("a2"),
                app_id: DEMO_APP_ID.to_owned(),
                display_name: "RoleSync (app-only)".to_owned(),
            },
            FixtureServicePrincipal {
                id: oid("a3"),
                app_id: DEMO_PUBLIC_CLIENT_ID.to_owned(),
                display_name: "RoleSync (interactive)".to_owned(),
            },
        ],
        applications: vec![
            FixtureApplication {
                app_id: DEMO_APP_ID.to_owned(),
                display_name: "RoleSync (app-only)".to_owned(),
                client_secrets: vec![DEMO_APP_SECRET.to_owned()],
                certificates: vec![DEMO_APP_CERT_PEM.to_owned()],
                application_permissions: graph_perms.clone(),
                delegated_scopes: Vec::new(),
                redirect_uris: Vec::new(),
                is_public_client: false,
                ..FixtureApplication::default()
            },
            FixtureApplication {
                app_id: DEMO_PUBLIC_CLIENT_ID.to_owned(),
                display_name: "RoleSync (interactive)".to_owned(),
                client_secrets: Vec::new(),
                certificates: Vec::new(),
                application_permissions: Vec::new(),
                delegated_scopes: graph_perms,
                redirect_uris: vec!["http://localhost".to_owned()],
                is_public_client: true,
                ..FixtureApplication::default()
            },
        ],
        custom_roles: Vec::new(),
        role_assignments: vec![
            assign(&oid("01"), GA),
            assign(&oid("01"), EXCHANGE),
            assign(&oid("04"), EXCHANGE),
            assign(&oid("09"), HELPDESK),
            assign(&oid("10"), GA),
            assign(&oid("11"), EXCHANGE),
            assign(&oid("12"), HELPDESK),
            assign(&oid("13"), GA),
            assign(&oid("15"), PRA),
            assign(&oid("a1"), EXCHANGE),
            assign(&oid("b1"), HELPDESK),
        ],
        role_eligibilities: ["06", "07", "08"]
            .iter()
            .map(|n| FixtureRoleEligibility {
                id: Some(format!("eeeeeeee-0000-4000-8000-0000000e11{n}")),
                principal_id: oid(n),
                role_definition_id: SEC_READER.to_owned(),
                directory_scope_id: "/".to_owned(),
                start_date_time: None,
                end_date_time: None,
            })
            .collect(),
        role_activations: vec![FixtureRoleActivation {
            id: None,
            principal_id: oid("07"),
            role_definition_id: SEC_READER.to_owned(),
            directory_scope_id: "/".to_owned(),
            start_date_time: None,
            end_date_time: None,
        }],
        activated_role_template_ids: Vec::new(),
        interactive_user: Some("alice@contoso.com".to_owned()),
        administrative_units: Vec::new(),
        ..TenantFixture::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tenant_loads_and_matches_the_shipped_json() {
        let t = demo_tenant();
        crate::state::TenantState::from_fixture(&t).expect("demo tenant is consistent");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo-tenant.json");
        let json = t.to_json_pretty() + "\n";
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(path, &json).expect("write fixture");
        }
        let shipped = std::fs::read_to_string(path)
            .expect("fixtures/demo-tenant.json exists (UPDATE_FIXTURES=1 writes it)");
        assert_eq!(TenantFixture::from_json(&shipped).expect("parses"), t);
    }

    #[test]
    fn alice_immutable_id_is_ad_guid_bytes() {
        let t = demo_tenant();
        // aaaaaaaa-0000-4000-8000-000000000001 → aa aa aa aa 00 00 00 40 80 00 00 00 00 00 00 01
        assert_eq!(
            t.users[0].on_premises_immutable_id.as_deref(),
            Some("qqqqqgAAAECAAAAAAAAAAQ==")
        );
    }
}
