//! The test message of the first-run setup: a short plain-text mail sent with the report's own
//! transport (the same TLS rules, login and error words), so that a mail that arrives now means
//! the reports will arrive too.

use crate::{addressed, classify, transport, NotifyError, SmtpConfig};
use lettre::message::header::ContentType;
use lettre::AsyncTransport;

/// The subject of the test message.
pub const SUBJECT: &str = "RoleSync: test message";

/// Sends a short test message to the configured recipients.
pub async fn send_test(cfg: &SmtpConfig) -> Result<(), NotifyError> {
    let message = addressed(cfg, SUBJECT)?
        .header(ContentType::TEXT_PLAIN)
        .body(
            "This is a test message from RoleSync's setup. After each sync a report like this \
             goes to these recipients, with the run's log attached.\n"
                .to_string(),
        )
        .map_err(|e| NotifyError::Config(format!("could not build the mail: {e}")))?;
    transport(cfg)?
        .send(message)
        .await
        .map_err(|e| classify(cfg, &e))?;
    tracing::info!(server = %cfg.server, port = cfg.port, recipients = cfg.to.len(), "test message sent");
    Ok(())
}
