//! The three circles and the 居民议事厅 API (`docs/api-circles.md`): the members of a scope and
//! each circle's count, a new member, one leaving; the meetings (议事) with their decision and
//! shared cost, a new one, a share paid, the problem marked solved. The types are the
//! contract's (`binhe_api::circles`).

use binhe_api::circles::{
    CircleList, CircleQuery, DeliberationInput, DeliberationList, DeliberationView, MemberInput,
    MemberView, PaidInput, SolvedInput,
};
use gloo_net::http::Request;

use super::{ApiError, get_json, post_json, put_json, read_json, send};

pub async fn members(query: &CircleQuery) -> Result<CircleList, ApiError> {
    get_json(&format!("/api/circles?{}", query.to_query())).await
}

pub async fn add_member(input: &MemberInput) -> Result<MemberView, ApiError> {
    post_json("/api/circles", input).await
}

/// The member leaves the circle (移出圈子): their view, with `left_at`.
pub async fn remove_member(id: i64) -> Result<MemberView, ApiError> {
    let url = format!("/api/circles/{id}");
    let resp = send(Request::delete(&url).build(), &url).await?;
    read_json(resp, &url).await
}

pub async fn meetings(query: &CircleQuery) -> Result<DeliberationList, ApiError> {
    get_json(&format!("/api/deliberations?{}", query.to_query())).await
}

pub async fn record(input: &DeliberationInput) -> Result<DeliberationView, ApiError> {
    post_json("/api/deliberations", input).await
}

/// `member`'s share of meeting `id` paid (or not after all): the meeting as it now is.
pub async fn set_paid(id: i64, member: i64, paid: bool) -> Result<DeliberationView, ApiError> {
    put_json(
        &format!("/api/deliberations/{id}/shares/{member}"),
        &PaidInput { paid },
    )
    .await
}

/// The problem of meeting `id` solved through the circle (or not after all).
pub async fn set_solved(id: i64, solved: bool) -> Result<DeliberationView, ApiError> {
    put_json(
        &format!("/api/deliberations/{id}/solved"),
        &SolvedInput { solved },
    )
    .await
}
