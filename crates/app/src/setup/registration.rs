//! Exactly what to register in Entra ID for RoleSync, as steps in the Entra admin center and as
//! commands for the tools admins already have:
//!
//! * Microsoft Graph PowerShell (`Microsoft.Graph.Applications`): `New-MgApplication` with the
//!   certificate as a `keyCredential` and the permissions as `requiredResourceAccess`,
//!   `New-MgServicePrincipal`, and one `New-MgServicePrincipalAppRoleAssignment` per permission
//!   (the admin consent) — "Grant or revoke API permissions programmatically",
//!   <https://learn.microsoft.com/graph/permissions-grant-via-msgraph>;
//! * the Azure CLI: `az ad app create` (`--is-fallback-public-client`,
//!   `--public-client-redirect-uris`), `az ad app credential reset --cert @file --append`
//!   (a PEM or DER public certificate), `az ad app permission add`, `az ad sp create`,
//!   `az ad app permission admin-consent` — <https://learn.microsoft.com/cli/azure/ad/app>.
//!
//! The permissions are looked up by name in Microsoft Graph's own service principal (appId
//! `00000003-0000-0000-c000-000000000000`), so no permission id is written here.

use super::{CertificateInfo, SetupAnswers, REDIRECT_URI};
use serde::Serialize;
use ts_rs::TS;

/// Microsoft Graph's application id (the same in every tenant).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// What to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// The Microsoft Graph application permissions RoleSync needs (admin consent required).
    pub permissions: Vec<String>,
    /// The certificate file to upload.
    pub certificate_file: String,
    /// Its thumbprint, to recognise it in the admin center.
    pub thumbprint: String,
    /// The redirect URI, when interactive sign-in is wanted.
    pub redirect_uri: Option<String>,
    /// The steps in the Entra admin center.
    pub steps: Vec<String>,
    /// The same with Microsoft Graph PowerShell.
    pub powershell: String,
    /// The same with the Azure CLI (bash).
    pub azure_cli: String,
}

/// A PowerShell single-quoted string.
fn ps(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A POSIX shell single-quoted string.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What to register for these answers and this certificate.
pub fn registration(a: &SetupAnswers, cert: &CertificateInfo) -> Registration {
    let permissions: Vec<String> = rolesync_entra::target::required_permissions(a.eligible)
        .into_iter()
        .map(str::to_string)
        .collect();
    let tenant = if a.tenant.trim().is_empty() {
        "contoso.onmicrosoft.com"
    } else {
        a.tenant.trim()
    };
    let mut steps = vec![
        "Sign in to the Microsoft Entra admin center (entra.microsoft.com) as a Global Administrator or Privileged Role Administrator, or a Cloud Application Administrator together with one of them for the consent.".to_string(),
        "Identity → Applications → App registrations → New registration: name it RoleSync, \"Accounts in this organizational directory only\", Register. Copy its Application (client) ID into RoleSync.".to_string(),
        format!(
            "Certificates & secrets → Certificates → Upload certificate: {} (thumbprint {}).",
            cert.public_file, cert.thumbprint
        ),
        format!(
            "API permissions → Add a permission → Microsoft Graph → Application permissions: {}. Then \"Grant admin consent for {tenant}\".",
            permissions.join(", ")
        ),
    ];
    let optional: Vec<String> = rolesync_entra::target::OPTIONAL_PERMISSIONS
        .iter()
        .map(|(p, why)| format!("{p} ({why})"))
        .collect();
    steps.push(format!(
        "Optional, same place: {}. Without them a sync runs as well; drift is then reported with who and when unknown.",
        optional.join("; ")
    ));
    if a.interactive {
        steps.push(format!(
            "Authentication → Add a platform → Mobile and desktop applications → custom redirect URI {REDIRECT_URI}; then under Advanced settings set \"Allow public client flows\" to Yes, and Save. (This lets an administrator sign in with MFA from the RoleSync window.)"
        ));
    }
    let perms_ps = permissions
        .iter()
        .map(|p| ps(p))
        .collect::<Vec<_>>()
        .join(", ");
    let cert_ps = match &cert.store {
        Some(store) => format!(
            "$cert = Get-Item {}",
            ps(&format!("Cert:\\{store}\\{}", cert.thumbprint))
        ),
        None => format!(
            "$cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new({})",
            ps(&cert.public_file)
        ),
    };
    let public = if a.interactive {
        format!(
            " `\n    -IsFallbackPublicClient -PublicClient @{{ RedirectUris = @({}) }}",
            ps(REDIRECT_URI)
        )
    } else {
        String::new()
    };
    let powershell = format!(
        r#"# Microsoft Graph PowerShell (Install-Module Microsoft.Graph.Applications -Scope CurrentUser)
Connect-MgGraph -TenantId {tenant} -Scopes 'Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'
$graph = Get-MgServicePrincipal -Filter "appId eq '{GRAPH_APP_ID}'"
$roles = $graph.AppRoles | Where-Object {{ $_.Value -in @({perms_ps}) -and $_.AllowedMemberTypes -contains 'Application' }}
{cert_ps}
$app = New-MgApplication -DisplayName 'RoleSync' -SignInAudience 'AzureADMyOrg' `
    -KeyCredentials @(@{{ Type = 'AsymmetricX509Cert'; Usage = 'Verify'; Key = $cert.RawData }}) `
    -RequiredResourceAccess @(@{{ ResourceAppId = $graph.AppId; ResourceAccess = @($roles | ForEach-Object {{ @{{ Id = $_.Id; Type = 'Role' }} }}) }}){public}
$sp = New-MgServicePrincipal -AppId $app.AppId
# Admin consent: one app role assignment per permission.
$roles | ForEach-Object {{ New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graph.Id -AppRoleId $_.Id }}
"Application (client) ID for RoleSync: $($app.AppId)"
"#,
        tenant = ps(tenant),
    );
    let public_cli = if a.interactive {
        format!(
            " \\\n  --is-fallback-public-client true --public-client-redirect-uris {}",
            sh(REDIRECT_URI)
        )
    } else {
        String::new()
    };
    let role_lookup = permissions
        .iter()
        .map(|p| {
            format!(
                "perm=\"$perm $(az ad sp show --id {GRAPH_APP_ID} --query \"appRoles[?value=='{p}' && contains(allowedMemberTypes, 'Application')].id | [0]\" -o tsv)=Role\""
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let azure_cli = format!(
        r#"# Azure CLI (bash)
az login --tenant {tenant} --allow-no-subscriptions
app=$(az ad app create --display-name RoleSync --sign-in-audience AzureADMyOrg{public_cli} --query appId -o tsv)
az ad app credential reset --id "$app" --cert @{cer} --append
perm=""
{role_lookup}
az ad app permission add --id "$app" --api {GRAPH_APP_ID} --api-permissions $perm
az ad sp create --id "$app"
az ad app permission admin-consent --id "$app"
echo "Application (client) ID for RoleSync: $app"
"#,
        tenant = sh(tenant),
        cer = sh(&cert.public_file),
    );
    Registration {
        permissions,
        certificate_file: cert.public_file.clone(),
        thumbprint: cert.thumbprint.clone(),
        redirect_uri: a.interactive.then(|| REDIRECT_URI.to_string()),
        steps,
        powershell,
        azure_cli,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(store: Option<&str>) -> CertificateInfo {
        CertificateInfo {
            file: store
                .is_none()
                .then(|| "/etc/rolesync/rolesync-graph.pem".into()),
            public_file: "/etc/rolesync/rolesync-graph.cer".into(),
            store: store.map(str::to_string),
            thumbprint: "0123456789ABCDEF0123456789ABCDEF01234567".into(),
            subject: "CN=RoleSync".into(),
            not_after: String::new(),
            base64: String::new(),
        }
    }

    #[test]
    fn the_permissions_the_certificate_and_public_client_flows_are_named() {
        let a = SetupAnswers {
            tenant: "contoso.onmicrosoft.com".into(),
            ..SetupAnswers::default()
        };
        let r = registration(&a, &cert(None));
        assert_eq!(
            r.permissions,
            ["RoleManagement.ReadWrite.Directory", "User.Read.All"]
        );
        assert!(r.redirect_uri.is_none());
        assert!(r
            .steps
            .iter()
            .any(|s| s.starts_with("Optional") && s.contains("AuditLog.Read.All (who changed")));
        assert!(r
            .steps
            .iter()
            .any(|s| s.contains("/etc/rolesync/rolesync-graph.cer")));
        assert!(!r.powershell.contains("IsFallbackPublicClient"));
        assert!(r
            .azure_cli
            .contains("--cert @'/etc/rolesync/rolesync-graph.cer' --append"));
        assert!(r.azure_cli.contains("appRoles[?value=='User.Read.All'"));
        // Interactive sign-in wanted: redirect URI and public client flows, in every form.
        let a = SetupAnswers {
            interactive: true,
            eligible: true,
            ..a
        };
        let r = registration(&a, &cert(Some("LocalMachine\\My")));
        assert_eq!(r.redirect_uri.as_deref(), Some("http://localhost"));
        assert!(r
            .permissions
            .iter()
            .any(|p| p == "RoleEligibilitySchedule.ReadWrite.Directory"));
        assert!(r
            .steps
            .iter()
            .any(|s| s.contains("Allow public client flows")));
        assert!(r.powershell.contains(
            "-IsFallbackPublicClient -PublicClient @{ RedirectUris = @('http://localhost') }"
        ));
        assert!(r.powershell.contains(
            "Get-Item 'Cert:\\LocalMachine\\My\\0123456789ABCDEF0123456789ABCDEF01234567'"
        ));
        assert!(r.azure_cli.contains(
            "--is-fallback-public-client true --public-client-redirect-uris 'http://localhost'"
        ));
    }

    #[test]
    fn quotes_in_paths_stay_quoted() {
        assert_eq!(ps("C:\\it's"), "'C:\\it''s'");
        assert_eq!(sh("/it's"), r"'/it'\''s'");
    }
}
