//! Scratch databases on a PostgreSQL server: `BINHE_TEST_PG_URL` for the tests,
//! `BINHE_BENCH_PG_URL` for the benchmarks (superuser URLs; `make unit` and `make bench` start a
//! private server and set them).

use sqlx::{Connection, Executor, PgConnection};

const HOW_TO_START: &str = "These tests need a PostgreSQL server they may create databases \
    on. Start the private one and run the tests against it:\n    \
    scripts/postgres.sh start && BINHE_TEST_PG_URL=$(scripts/postgres.sh url) cargo test\n\
    (`make unit` does both and stops the server afterwards.)";

/// The tests' server, from `BINHE_TEST_PG_URL`. Without it the tests fail rather than skip.
pub fn test_server() -> String {
    std::env::var("BINHE_TEST_PG_URL")
        .unwrap_or_else(|_| panic!("BINHE_TEST_PG_URL is not set. {HOW_TO_START}"))
}

/// The URL of database `name` on the server of `server_url`.
pub fn database_url(server_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(server_url)
        .unwrap_or_else(|e| panic!("the PostgreSQL server's URL is no URL: {e}"));
    url.set_path(name);
    url.into()
}

/// A connection to `url`; panics saying how to start the private server.
pub async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the PostgreSQL server: {e}\n{HOW_TO_START}"))
}

/// A database made for one test or one measurement, uniquely named, dropped with force (closing
/// whatever is still connected) when this is dropped — also when the test panicked.
#[derive(Debug)]
pub struct ScratchDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// A new database on the tests' server ([`test_server`]), its name starting with `prefix`.
    pub async fn on_test_server(prefix: &str) -> Self {
        Self::on(&test_server(), prefix).await
    }

    /// A new database on the server of `server_url`, its name starting with `prefix`.
    pub async fn on(server_url: &str, prefix: &str) -> Self {
        let name = format!("{prefix}_{:016x}", getrandom::u64().unwrap());
        connect(server_url)
            .await
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        Self {
            url: database_url(server_url, &name),
            server_url: server_url.to_owned(),
            name,
        }
    }

    /// Its URL, with the server's user and password.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    /// A thread of its own with a runtime of its own, as `Drop` cannot wait for the caller's.
    fn drop(&mut self) {
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    PgConnection::connect(&server_url)
                        .await?
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("scratch database {} was left behind", self.name);
        }
    }
}
