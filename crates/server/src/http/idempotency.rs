//! `Idempotency-Key` on every POST, PUT and PATCH of the API: a terminal that lost the center
//! queues what the person did, each action with a key of its own, and sends the queue again when
//! the center answers. The first request with a key is answered as usual and its answer kept
//! (24 hours, in the database, so on PostgreSQL every server process knows it); a repeat — the
//! same method, path and body — gets that answer again (`Idempotent-Replayed: true`) and changes
//! nothing. The key is the caller's own: two accounts' equal keys are two keys.
//!
//! Kept: answers the request decided (2xx, 3xx and the refusals of 4xx, a STALE_VERSION
//! conflict among them), up to 1 MiB. Not kept, so a repeat runs again: the server's own
//! failures (5xx), refusals of who is asking (401, 403, 408, 429), answers that set a cookie, a
//! request whose body was not read to its end, and longer answers. Logging in and out take no
//! key.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use binhe_api::error::code;
use binhe_store::{Claim, IdempotencyKey, IdempotencyRepository, KeptAnswer, KeyedRequest};
use http_body::{Frame, SizeHint};
use sha2::{Digest, Sha256};

use super::{ApiError, AuditNote, Caller, Refusal};

/// The request header.
pub const HEADER: &str = binhe_api::IDEMPOTENCY_KEY_HEADER;
/// The answer's header on a repeat.
pub const REPLAYED: &str = binhe_api::IDEMPOTENT_REPLAYED_HEADER;
const MAX_KEY_CHARS: usize = 255;
/// Longest answer kept.
const MAX_KEPT_ANSWER: usize = 1 << 20;
/// Longest body read to compare a repeat with the first request (the largest upload taken).
const MAX_REPEATED_BODY: usize = 64 << 20;
/// A first request unanswered this long died with its server: the key is taken over.
const STALE_AFTER: chrono::Duration = chrono::Duration::seconds(60);
/// Routes that take no key: a kept login answer would hand out a session again.
const NOT_KEYED: [&str; 2] = ["/api/login", "/api/logout"];
/// Whose key it is when nobody signed in (an Open311 client's key is in the body it sends, so a
/// repeat is answered only to the same body).
const NOBODY: &str = "(anonymous)";

/// Where the keys and their answers are kept.
#[derive(Clone)]
pub struct Idempotency(pub Arc<dyn IdempotencyRepository>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdempotencyError {
    #[error("Idempotency-Key must be 1 to 255 printable ASCII characters")]
    KeyInvalid,
    #[error(
        "the first request with this Idempotency-Key is still being answered; retry in {wait} s"
    )]
    InProgress { wait: u64 },
    #[error("this Idempotency-Key was used for another request ({method} {target})")]
    KeyReused { method: String, target: String },
}

impl Refusal for IdempotencyError {
    fn status(&self) -> StatusCode {
        match self {
            Self::KeyInvalid => StatusCode::BAD_REQUEST,
            Self::InProgress { .. } => StatusCode::CONFLICT,
            Self::KeyReused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::KeyInvalid => code::IDEMPOTENCY_KEY_INVALID,
            Self::InProgress { .. } => code::IDEMPOTENCY_IN_PROGRESS,
            Self::KeyReused { .. } => code::IDEMPOTENCY_KEY_REUSED,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::KeyInvalid => "Idempotency-Key 须为 1–255 个可见 ASCII 字符".to_owned(),
            Self::InProgress { wait } => {
                format!("同一操作的首次请求仍在处理中，请 {wait} 秒后重试")
            }
            Self::KeyReused { method, target } => {
                format!("该 Idempotency-Key 已用于另一请求（{method} {target}），未执行")
            }
        }
    }

    fn detail(&self) -> binhe_api::ErrorDetail {
        let mut detail =
            binhe_api::ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        if let Self::InProgress { wait } = self {
            detail.retry_after_s = Some(*wait);
        }
        detail
    }
}

/// Middleware in front of the API's routes, behind the gate (it needs to know who is asking).
pub async fn middleware(
    State(store): State<Idempotency>,
    request: Request,
    next: Next,
) -> Response {
    let Some(value) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    if !matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    ) || NOT_KEYED.contains(&request.uri().path())
    {
        return next.run(request).await;
    }
    let Some(key) = value
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_KEY_CHARS && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(str::to_owned)
    else {
        return ApiError::from(IdempotencyError::KeyInvalid).into_response();
    };
    let account = request
        .extensions()
        .get::<Caller>()
        .map_or_else(|| NOBODY.to_owned(), |c| c.principal.account.clone());
    let method = request.method().as_str().to_owned();
    let target = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |t| t.as_str().to_owned(),
    );
    let id = IdempotencyKey {
        account: &account,
        key: &key,
    };
    let keyed = KeyedRequest {
        method: &method,
        target: &target,
    };
    match store
        .0
        .claim(&id, &keyed, chrono::Utc::now(), STALE_AFTER)
        .await
    {
        Err(error) => ApiError::from(error).into_response(),
        Ok(Claim::Pending { since }) => {
            let waited = (chrono::Utc::now() - since).num_seconds().max(0);
            let wait = (STALE_AFTER.num_seconds() - waited).clamp(1, 5);
            ApiError::from(IdempotencyError::InProgress {
                wait: wait.unsigned_abs(),
            })
            .into_response()
        }
        Ok(Claim::Answered(kept)) => repeat(request, &keyed, kept, &key).await,
        Ok(Claim::Claimed) => first(&store, &id, request, next).await,
    }
}

/// Answers the first request with a key and keeps the answer, or gives the key back.
async fn first(
    store: &Idempotency,
    id: &IdempotencyKey<'_>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let read = Arc::new(Mutex::new(BodyRead {
        hasher: Sha256::new(),
        ended: http_body::Body::is_end_stream(&body),
    }));
    let body = Body::new(Hashing {
        inner: body,
        read: Arc::clone(&read),
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    let (sha256, ended) = {
        let read = read.lock().unwrap_or_else(PoisonError::into_inner);
        (hex::encode(read.hasher.clone().finalize()), read.ended)
    };
    let status = response.status();
    let decided = !status.is_server_error()
        && ![
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN,
            StatusCode::REQUEST_TIMEOUT,
            StatusCode::TOO_MANY_REQUESTS,
        ]
        .contains(&status);
    let short = http_body::Body::size_hint(response.body())
        .exact()
        .is_some_and(|n| n <= MAX_KEPT_ANSWER as u64);
    if !(ended && decided && short && !response.headers().contains_key(header::SET_COOKIE)) {
        if let Err(error) = store.0.release(id).await {
            tracing::error!(%error, "could not release an idempotency key");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_KEPT_ANSWER).await {
        Ok(bytes) => bytes,
        Err(error) => {
            // The answer broke off while being read: nothing can be sent or kept.
            tracing::error!(%error, "an answer to keep could not be read");
            if let Err(error) = store.0.release(id).await {
                tracing::error!(%error, "could not release an idempotency key");
            }
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Err(error) = store
        .0
        .keep(id, &sha256, status.as_u16(), content_type, &bytes)
        .await
    {
        // The action happened; its answer still goes out. A repeat then waits for the claim to
        // go stale and runs again, which the ticket's version check answers.
        tracing::error!(%error, "could not keep an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A repeat: the kept answer if it is the same request, else a refusal; nothing runs.
async fn repeat(
    request: Request,
    keyed: &KeyedRequest<'_>,
    kept: KeptAnswer,
    key: &str,
) -> Response {
    let reused = || {
        ApiError::from(IdempotencyError::KeyReused {
            method: kept.method.clone(),
            target: kept.target.clone(),
        })
        .into_response()
    };
    if kept.method != keyed.method || kept.target != keyed.target {
        return reused();
    }
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_REPEATED_BODY).await else {
        return reused();
    };
    if hex::encode(Sha256::digest(&body)) != kept.request_sha256 {
        return reused();
    }
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, kept.body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    if let Some(content_type) = kept
        .content_type
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    AuditNote::new(
        "idempotent.replay",
        &format!("{} {}", keyed.method, keyed.target),
    )
    .detail(&format!(
        "Idempotency-Key {key}: 重放首次应答 {} / first answer replayed, nothing changed",
        kept.status
    ))
    .attach(response)
}

/// What the handler read of the request's body.
struct BodyRead {
    hasher: Sha256,
    /// Read to its end.
    ended: bool,
}

/// The request's body as the handler reads it, hashed on the way.
struct Hashing {
    inner: Body,
    read: Arc<Mutex<BodyRead>>,
}

impl http_body::Body for Hashing {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let mut read = this.read.lock().unwrap_or_else(PoisonError::into_inner);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    read.hasher.update(data);
                }
                if this.inner.is_end_stream() {
                    read.ended = true;
                }
            }
            Poll::Ready(None) => read.ended = true,
            Poll::Ready(Some(Err(_))) | Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
