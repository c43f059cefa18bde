//! Accounts, sessions and the audit log, the same on every backend.

use async_trait::async_trait;
use binhe_core::GridCode;
use binhe_core::access::{Principal, Role, login_lockout};
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::accounts::{
    AccountChange, AccountRepository, AuditEntry, AuditFilter, LoginTurn, Open311Client, Session,
    StoredAccount,
};
use crate::backend::{Columns, Run, Value, millis, time};

const ACCOUNT_COLUMNS: &str = "login, name, role, community, worker_id, password_hash, disabled";

fn account_damaged(login: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        code: format!("account {login}"),
        detail: detail.to_string(),
    }
}

fn account_from_row(row: &impl Columns) -> Result<StoredAccount, StoreError> {
    let login = row.text("login");
    let role = Role::from_code(row.text("role"))
        .ok_or_else(|| account_damaged(login, format!("role {}", row.text("role"))))?;
    let community = row
        .maybe_text("community")
        .map(|code| GridCode::parse(code).map_err(|e| account_damaged(login, e)))
        .transpose()?;
    Ok(StoredAccount {
        principal: Principal {
            account: login.to_owned(),
            name: row.text("name").to_owned(),
            role,
            community,
            worker_id: row.maybe_text("worker_id").map(str::to_owned),
        },
        disabled: row.flag("disabled"),
        password_hash: row.text("password_hash").to_owned(),
    })
}

fn session_from_row(row: &impl Columns) -> Result<Session, StoreError> {
    Ok(Session {
        token_hash: row.text("token_hash").to_owned(),
        login: row.text("login").to_owned(),
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        terminal: row.text("terminal").to_owned(),
        address: row.text("address").to_owned(),
    })
}

const CLIENT_COLUMNS: &str = "id, name, key_hash, created_by, created_at, revoked_at";

fn client_from_row(row: &impl Columns) -> Result<Open311Client, StoreError> {
    Ok(Open311Client {
        id: row.integer("id"),
        name: row.text("name").to_owned(),
        key_hash: row.text("key_hash").to_owned(),
        created_by: row.text("created_by").to_owned(),
        created_at: time(row, "created_at")?,
        revoked_at: row
            .maybe_integer("revoked_at")
            .map(|ms| {
                DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt {
                    code: format!("open311 client {}", row.integer("id")),
                    detail: "revocation time out of range".to_owned(),
                })
            })
            .transpose()?,
    })
}

fn audit_from_row(row: &impl Columns) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: row.integer("id"),
        at: time(row, "at")?,
        account: row.text("account").to_owned(),
        role: row.text("role").to_owned(),
        terminal: row.text("terminal").to_owned(),
        address: row.text("address").to_owned(),
        action: row.text("action").to_owned(),
        target: row.text("target").to_owned(),
        status: u16::try_from(row.integer("status")).unwrap_or(0),
        detail: row.text("detail").to_owned(),
    })
}

/// The `WHERE` clause of an audit query and its values.
fn audit_filter_sql(filter: &AuditFilter) -> (String, Vec<Value<'_>>) {
    let mut sql = " WHERE 1 = 1".to_owned();
    let mut values = Vec::new();
    for (column, value) in [
        ("account", &filter.account),
        ("action", &filter.action),
        ("target", &filter.target),
    ] {
        if let Some(value) = value {
            sql.push_str(" AND ");
            sql.push_str(column);
            sql.push_str(" = ?");
            values.push(value.as_str().into());
        }
    }
    if let Some(since) = filter.since {
        sql += " AND at >= ?";
        values.push(millis(since).into());
    }
    if let Some(until) = filter.until {
        sql += " AND at < ?";
        values.push(millis(until).into());
    }
    (sql, values)
}

#[async_trait]
impl<B: Run> AccountRepository for B {
    async fn account(&self, login: &str) -> Result<Option<StoredAccount>, StoreError> {
        self.read(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = ?"),
            &[login.into()],
            "reading an account",
        )
        .await?
        .first()
        .map(account_from_row)
        .transpose()
    }

    async fn accounts(&self) -> Result<Vec<StoredAccount>, StoreError> {
        self.read(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY login"),
            &[],
            "reading accounts",
        )
        .await?
        .iter()
        .map(account_from_row)
        .collect()
    }

    async fn create_account(
        &self,
        account: &StoredAccount,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let p = &account.principal;
        let mut writer = self.begin_side_write("creating an account").await?;
        let taken = !B::fetch(
            &mut writer.tx,
            "SELECT login FROM accounts WHERE login = ?",
            &[p.account.as_str().into()],
            "checking the login is free",
        )
        .await?
        .is_empty();
        if taken {
            return Err(StoreError::AccountExists {
                login: p.account.clone(),
            });
        }
        B::execute(
            &mut writer.tx,
            &format!(
                "INSERT INTO accounts ({ACCOUNT_COLUMNS}, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            &[
                p.account.as_str().into(),
                p.name.as_str().into(),
                p.role.as_str().into(),
                p.community.as_ref().map(GridCode::as_str).into(),
                p.worker_id.as_deref().into(),
                account.password_hash.as_str().into(),
                account.disabled.into(),
                millis(at).into(),
                millis(at).into(),
            ],
            "creating an account",
        )
        .await?;
        writer.commit("creating an account").await
    }

    async fn update_account(
        &self,
        login: &str,
        change: &AccountChange,
        at: DateTime<Utc>,
    ) -> Result<Option<StoredAccount>, StoreError> {
        let mut writer = self.begin_side_write("changing an account").await?;
        let mut sets = vec!["updated_at = ?".to_owned()];
        let mut values: Vec<Value> = vec![millis(at).into()];
        if let Some(name) = &change.name {
            sets.push("name = ?".to_owned());
            values.push(name.as_str().into());
        }
        if let Some(hash) = &change.password_hash {
            sets.push("password_hash = ?".to_owned());
            values.push(hash.as_str().into());
            // A password set anew lets its account try again at once.
            B::execute(
                &mut writer.tx,
                "DELETE FROM login_names WHERE name = ?",
                &[login.into()],
                "changing an account",
            )
            .await?;
        }
        if let Some(disabled) = change.disabled {
            sets.push("disabled = ?".to_owned());
            values.push(disabled.into());
        }
        values.push(login.into());
        B::execute(
            &mut writer.tx,
            &format!("UPDATE accounts SET {} WHERE login = ?", sets.join(", ")),
            &values,
            "changing an account",
        )
        .await?;
        if change.password_hash.is_some() || change.disabled == Some(true) {
            B::execute(
                &mut writer.tx,
                "DELETE FROM sessions WHERE login = ?",
                &[login.into()],
                "ending the account's sessions",
            )
            .await?;
        }
        let account = B::fetch(
            &mut writer.tx,
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = ?"),
            &[login.into()],
            "reading the changed account",
        )
        .await?
        .first()
        .map(account_from_row)
        .transpose()?;
        writer.commit("changing an account").await?;
        Ok(account)
    }

    async fn reserve_login(
        &self,
        name: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<LoginTurn, StoreError> {
        const ACTION: &str = "reserving a login attempt";
        // Names nobody tried for a while go first, in a statement of its own (it waits for no
        // attempt under way but the ones on those names).
        self.write_one(
            "DELETE FROM login_names WHERE last_at < ? AND (locked_until IS NULL OR locked_until < ?)",
            &[millis(forget_before).into(), millis(at).into()],
            ACTION,
        )
        .await?;
        let mut writer = self.begin_side_write(ACTION).await?;
        B::execute(
            &mut writer.tx,
            "INSERT INTO login_names (name, failures, locked_until, last_at) VALUES (?, 0, NULL, ?) \
             ON CONFLICT (name) DO NOTHING",
            &[name.into(), millis(at).into()],
            ACTION,
        )
        .await?;
        // One statement counts and checks the lock, holding the row (PostgreSQL) or the
        // database (SQLite) until the new lock below is written too: an attempt arriving
        // meanwhile waits and then sees both.
        let counted = B::fetch(
            &mut writer.tx,
            "UPDATE login_names \
             SET failures = CASE WHEN last_at < ? THEN 1 ELSE failures + 1 END, last_at = ? \
             WHERE name = ? AND (locked_until IS NULL OR locked_until <= ?) RETURNING failures",
            &[
                millis(forget_before).into(),
                millis(at).into(),
                name.into(),
                millis(at).into(),
            ],
            ACTION,
        )
        .await?;
        let turn = if let Some(row) = counted.first() {
            let attempt = u32::try_from(row.integer("failures")).unwrap_or(u32::MAX);
            let locked_until = login_lockout(attempt).map(|wait| millis(at + wait));
            B::execute(
                &mut writer.tx,
                "UPDATE login_names SET locked_until = ? WHERE name = ?",
                &[locked_until.into(), name.into()],
                ACTION,
            )
            .await?;
            LoginTurn::Granted { attempt }
        } else {
            let rows = B::fetch(
                &mut writer.tx,
                "SELECT locked_until FROM login_names WHERE name = ?",
                &[name.into()],
                ACTION,
            )
            .await?;
            let until = rows
                .first()
                .and_then(|row| row.maybe_integer("locked_until"))
                .and_then(DateTime::from_timestamp_millis)
                .ok_or_else(|| StoreError::Corrupt {
                    code: format!("login name {name}"),
                    detail: "locked without a time".to_owned(),
                })?;
            LoginTurn::Locked { until }
        };
        writer.commit(ACTION).await?;
        Ok(turn)
    }

    async fn record_login_failure(
        &self,
        name: &str,
        attempt: u32,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(wait) = login_lockout(attempt) else {
            return Ok(());
        };
        self.write_one(
            "UPDATE login_names SET locked_until = ? WHERE name = ? AND failures = ?",
            &[
                millis(at + wait).into(),
                name.into(),
                i64::from(attempt).into(),
            ],
            "counting a failed login",
        )
        .await
        .map(drop)
    }

    async fn clear_login(&self, name: &str) -> Result<(), StoreError> {
        self.write_one(
            "DELETE FROM login_names WHERE name = ?",
            &[name.into()],
            "forgetting failed logins",
        )
        .await
        .map(drop)
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        self.write_one(
            "INSERT INTO sessions (token_hash, login, created_at, expires_at, terminal, address) \
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                session.token_hash.as_str().into(),
                session.login.as_str().into(),
                millis(session.created_at).into(),
                millis(session.expires_at).into(),
                session.terminal.as_str().into(),
                session.address.as_str().into(),
            ],
            "starting a session",
        )
        .await
        .map(drop)
    }

    async fn session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, StoredAccount)>, StoreError> {
        let columns: Vec<String> = ACCOUNT_COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect();
        self.read(
            &format!(
                "SELECT s.token_hash, s.created_at, s.expires_at, s.terminal, s.address, {} \
                 FROM sessions s JOIN accounts a ON a.login = s.login WHERE s.token_hash = ?",
                columns.join(", ")
            ),
            &[token_hash.into()],
            "reading a session",
        )
        .await?
        .first()
        .map(|row| Ok((session_from_row(row)?, account_from_row(row)?)))
        .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.write_one(
            "DELETE FROM sessions WHERE token_hash = ?",
            &[token_hash.into()],
            "ending a session",
        )
        .await
        .map(drop)
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let rows = self
            .write_one(
                "DELETE FROM sessions WHERE expires_at < ? RETURNING token_hash",
                &[millis(now).into()],
                "ending expired sessions",
            )
            .await?;
        Ok(rows.len() as u64)
    }

    async fn record_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut writer = self.begin_side_write("recording the audit log").await?;
        let rows: Vec<Vec<Value>> = entries
            .iter()
            .map(|e| {
                vec![
                    millis(e.at).into(),
                    e.account.as_str().into(),
                    e.role.as_str().into(),
                    e.terminal.as_str().into(),
                    e.address.as_str().into(),
                    e.action.as_str().into(),
                    e.target.as_str().into(),
                    i64::from(e.status).into(),
                    e.detail.as_str().into(),
                ]
            })
            .collect();
        B::insert_rows(
            &mut writer.tx,
            (
                "audit_log",
                "at, account, role, terminal, address, action, target, status, detail",
                "",
            ),
            &rows,
            "recording the audit log",
        )
        .await?;
        writer.commit("recording the audit log").await
    }

    async fn audit(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let (clause, mut values) = audit_filter_sql(filter);
        let total = self
            .read(
                &format!("SELECT count(*) AS total FROM audit_log{clause}"),
                &values,
                "counting audit entries",
            )
            .await?
            .first()
            .map_or(0, |row| row.integer("total"));
        values.push(i64::from(filter.limit).into());
        let entries = self
            .read(
                &format!("SELECT * FROM audit_log{clause} ORDER BY id DESC LIMIT ?"),
                &values,
                "reading the audit log",
            )
            .await?
            .iter()
            .map(audit_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((entries, u64::try_from(total).unwrap_or(0)))
    }

    async fn create_open311_client(
        &self,
        name: &str,
        key_hash: &str,
        created_by: &str,
        at: DateTime<Utc>,
    ) -> Result<Open311Client, StoreError> {
        let mut writer = self
            .begin_side_write("registering an Open311 client")
            .await?;
        let taken = !B::fetch(
            &mut writer.tx,
            "SELECT id FROM open311_clients WHERE name = ?",
            &[name.into()],
            "checking the client name is free",
        )
        .await?
        .is_empty();
        if taken {
            return Err(StoreError::Open311ClientExists {
                name: name.to_owned(),
            });
        }
        let rows = B::fetch(
            &mut writer.tx,
            &format!(
                "INSERT INTO open311_clients (name, key_hash, created_by, created_at) \
                 VALUES (?, ?, ?, ?) RETURNING {CLIENT_COLUMNS}"
            ),
            &[
                name.into(),
                key_hash.into(),
                created_by.into(),
                millis(at).into(),
            ],
            "registering an Open311 client",
        )
        .await?;
        let client = rows
            .first()
            .map(client_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt {
                code: format!("open311 client {name}"),
                detail: "not returned by its insert".to_owned(),
            })?;
        writer.commit("registering an Open311 client").await?;
        Ok(client)
    }

    async fn open311_clients(&self) -> Result<Vec<Open311Client>, StoreError> {
        self.read(
            &format!("SELECT {CLIENT_COLUMNS} FROM open311_clients ORDER BY id"),
            &[],
            "reading Open311 clients",
        )
        .await?
        .iter()
        .map(client_from_row)
        .collect()
    }

    async fn open311_client_by_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<Open311Client>, StoreError> {
        self.read(
            &format!("SELECT {CLIENT_COLUMNS} FROM open311_clients WHERE key_hash = ?"),
            &[key_hash.into()],
            "reading an Open311 client",
        )
        .await?
        .first()
        .map(client_from_row)
        .transpose()
    }

    async fn revoke_open311_client(
        &self,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Open311Client>, StoreError> {
        self.write_one(
            &format!(
                "UPDATE open311_clients SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? \
                 RETURNING {CLIENT_COLUMNS}"
            ),
            &[millis(at).into(), id.into()],
            "revoking an Open311 client",
        )
        .await?
        .first()
        .map(client_from_row)
        .transpose()
    }
}
