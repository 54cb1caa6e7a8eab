//! systemd readiness notification (`Type=notify` in `docs/scimd.service`):
//! `READY=1` once every listener is bound and the database is migrated,
//! `STOPPING=1` when a shutdown signal arrives. Without `NOTIFY_SOCKET`
//! (not started by systemd) these do nothing.

/// Tells systemd that scimd serves, with a status line.
pub fn ready(status: &str) {
    send(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status(status),
    ]);
}

/// Tells systemd that scimd is draining its requests.
pub fn stopping() {
    send(&[
        sd_notify::NotifyState::Stopping,
        sd_notify::NotifyState::Status("draining in-flight requests"),
    ]);
}

fn send(state: &[sd_notify::NotifyState]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(e) = sd_notify::notify(state) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}
