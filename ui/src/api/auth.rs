//! Accounts, sessions, audit and the desktop's center setting (`docs/api-auth.md`): the calls;
//! the types are the contract's (`binhe_api::auth`).

use binhe_api::auth::{
    Account, AccountList, AccountPatch, AuditPage, AuditQuery, DesktopCenter, LoggedIn,
    LoginRequest, May, NewAccount, SessionView,
};
use gloo_net::http::Request;

use super::{
    ApiError, encode_component, get_json, patch_json, post_json, put_json, read_json, send,
};

/// What the UI offers a role beyond the contract's permissions.
pub trait Offers {
    /// Replace the street's grids (dispatcher, administrator).
    fn import_grids(self) -> bool;
    /// Start, pause or speed up the demo feed, one of the street's settings.
    fn drive_demo_feed(self) -> bool;
}

impl Offers for May {
    fn import_grids(self) -> bool {
        self.administer
    }

    fn drive_demo_feed(self) -> bool {
        self.administer
    }
}

/// A server without accounts lets the window do everything.
pub const MAY_ALL: May = May {
    administer: true,
    dispatch: true,
    intake: true,
    import_orders: true,
    audit: true,
};

/// The session, or `None` from a server without accounts (404: everything is allowed).
pub async fn session() -> Result<Option<SessionView>, ApiError> {
    match get_json::<SessionView>("/api/session").await {
        Ok(session) => Ok(Some(session)),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Logs in; the session cookie is set by the answer.
pub async fn login(login: &str, password: &str, terminal: &str) -> Result<Account, ApiError> {
    let terminal = terminal.trim();
    let body = LoginRequest {
        login: Some(login.trim().to_owned()),
        password: Some(password.to_owned()),
        terminal: (!terminal.is_empty()).then(|| terminal.to_owned()),
    };
    let answer: LoggedIn = post_json("/api/login", &body).await?;
    Ok(answer.account)
}

pub async fn logout() -> Result<(), ApiError> {
    const URL: &str = "/api/logout";
    send(Request::post(URL).build(), URL).await.map(|_| ())
}

pub async fn accounts() -> Result<Vec<Account>, ApiError> {
    let list: AccountList = get_json("/api/accounts").await?;
    Ok(list.accounts)
}

pub async fn create_account(account: &NewAccount) -> Result<Account, ApiError> {
    post_json("/api/accounts", account).await
}

pub async fn change_account(login: &str, change: &AccountPatch) -> Result<Account, ApiError> {
    patch_json(
        &format!("/api/accounts/{}", encode_component(login)),
        change,
    )
    .await
}

pub async fn audit(filter: &AuditQuery) -> Result<AuditPage, ApiError> {
    get_json(&format!("/api/audit?{}", filter.to_query())).await
}

/// `None` unless the page is served by the desktop app's embedded server: any other server
/// answers 204 (an older one 404).
pub async fn desktop_center() -> Result<Option<DesktopCenter>, ApiError> {
    const URL: &str = "/api/desktop/center";
    match send(Request::get(URL).build(), URL).await {
        Ok(resp) if resp.status() == 204 => Ok(None),
        Ok(resp) => read_json(resp, URL).await.map(Some),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn set_desktop_center(url: Option<String>) -> Result<DesktopCenter, ApiError> {
    put_json("/api/desktop/center", &DesktopCenter { url }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn may(json: &str) -> May {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn each_role_is_offered_only_what_it_may() {
        let dispatcher = may(
            r#"{"administer":true,"dispatch":true,"intake":true,"import_orders":true,"audit":true}"#,
        );
        let administrator = may(
            r#"{"administer":true,"dispatch":false,"intake":false,"import_orders":false,"audit":true}"#,
        );
        let commander = may(
            r#"{"administer":false,"dispatch":true,"intake":true,"import_orders":false,"audit":false}"#,
        );
        let worker = may(
            r#"{"administer":false,"dispatch":false,"intake":true,"import_orders":false,"audit":false}"#,
        );
        assert_eq!(dispatcher, MAY_ALL);
        assert!(dispatcher.import_grids() && dispatcher.import_orders);
        assert!(administrator.import_grids() && !administrator.import_orders);
        assert!(administrator.drive_demo_feed() && !administrator.act_on_tickets());
        assert!(!commander.import_grids() && !commander.import_orders);
        assert!(commander.act_on_tickets() && !commander.drive_demo_feed());
        assert!(worker.act_on_tickets() && !worker.dispatch);
    }
}
