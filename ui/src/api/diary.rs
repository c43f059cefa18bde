//! The 民情日记 and 包户 API (`docs/api-diary.md`): entries the caller may read, a new one, an
//! entry's concern turned into a ticket; who answers for which unit. The types are the
//! contract's (`binhe_api::diary`).

use binhe_api::diary::{
    DiaryEntryView, DiaryInput, DiaryList, DiaryQuery, DiaryTicket, DiaryTicketInput, UnitWard,
    WardList, WardsInput,
};
use gloo_net::http::Request;

use super::{ApiError, get_json, post_json, put_json, send};

pub async fn list(query: &DiaryQuery) -> Result<DiaryList, ApiError> {
    get_json(&format!("/api/diary?{}", query.to_query())).await
}

pub async fn create(input: &DiaryInput) -> Result<DiaryEntryView, ApiError> {
    post_json("/api/diary", input).await
}

/// The entry's concern as a proactive ticket (the one it became before, if it did).
pub async fn to_ticket(id: i64, category: Option<String>) -> Result<DiaryTicket, ApiError> {
    post_json(
        &format!("/api/diary/{id}/ticket"),
        &DiaryTicketInput { category },
    )
    .await
}

pub async fn wards(query: &DiaryQuery) -> Result<WardList, ApiError> {
    get_json(&format!("/api/wards?{}", query.to_query())).await
}

/// Who answers for the unit `code` (the ticket card's 包户 line).
pub async fn ward(code: &str) -> Result<UnitWard, ApiError> {
    get_json(&format!("/api/wards/{code}")).await
}

pub async fn set_wards(input: &WardsInput) -> Result<WardList, ApiError> {
    put_json("/api/wards", input).await
}

pub async fn clear_ward(code: &str) -> Result<(), ApiError> {
    let url = format!("/api/wards/{code}");
    send(Request::delete(&url).build(), &url).await.map(drop)
}
