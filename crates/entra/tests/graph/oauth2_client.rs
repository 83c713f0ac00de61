//! The emulator answers a real OAuth2 client library (the `oauth2` crate) for client
//! credentials and device code.
use crate::common::*;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, DeviceAuthorizationUrl, Scope,
    StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};
use std::time::Duration;

fn http() -> oauth2::reqwest::Client {
    oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn oauth2_crate_client_credentials() {
    let emu = start(config(false)).await;
    let client = BasicClient::new(ClientId::new(APP_ID.into()))
        .set_client_secret(ClientSecret::new(SECRET.into()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::new(emu.token_endpoint()).unwrap());
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("https://graph.microsoft.com/.default".into()))
        .request_async(&http())
        .await
        .unwrap();
    assert!(!token.access_token().secret().is_empty());
    assert!(token.expires_in().unwrap() > Duration::from_secs(60));
}

#[tokio::test]
async fn oauth2_crate_device_code() {
    let mut c = config(false);
    c.lifetimes.device_code_interval = Duration::from_secs(1);
    let emu = start(c).await;
    let device_url = emu.token_endpoint().replace("/token", "/devicecode");
    let client = BasicClient::new(ClientId::new(PUBLIC_ID.into()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::new(emu.token_endpoint()).unwrap())
        .set_device_authorization_url(DeviceAuthorizationUrl::new(device_url).unwrap());
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new("https://graph.microsoft.com/.default".into()))
        .request_async(&http())
        .await
        .unwrap();
    let code = details.user_code().secret().clone();
    let approver = {
        let emu = emu.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            emu.approve_device_code(&code, "alice@contoso.com").unwrap();
        })
    };
    let token = client
        .exchange_device_access_token(&details)
        .request_async(&http(), tokio::time::sleep, Some(Duration::from_secs(30)))
        .await
        .unwrap();
    approver.await.unwrap();
    assert!(!token.access_token().secret().is_empty());
    assert!(token.refresh_token().is_none() || !token.refresh_token().unwrap().secret().is_empty());
}
